#include "worker_metrics.h"

#include <stdio.h>
#include <string.h>

#include "sv_log.h"
#include "sv_metrics.h"
#include "worker_stats.h"

static struct {
	sv_metrics_server *server;
	const char *executor;
	sv_metric *judged, *duration, *dead_letters, *in_flight, *lag, *retries;
	sv_metric *stats[STAT_COUNT];
} wm;

/* worker_stats may say which of its figures are gauges (a value now, such as judge0_up): weak, so
 * that without stats_is_gauge every figure is exported as a counter. */
int stats_is_gauge(worker_stat which);
#pragma weak stats_is_gauge

static int is_gauge(worker_stat which)
{
	return stats_is_gauge != NULL && stats_is_gauge(which);
}

/* Retries by reason, from the counters worker_stats keeps anyway. */
static const struct {
	worker_stat stat;
	const char *reason;
} retry_reasons[] = {
    {STAT_EXECUTOR_RETRIES, "executor"},
    {STAT_JUDGE0_RETRIES, "judge0"},
    {STAT_STARVED_RERUNS, "starved"},
};

/* Every figure of worker_stats as solveit_worker_<name>_total (a gauge: solveit_worker_<name>),
 * including the ones added after this file was written: the loop runs to STAT_COUNT. */
static void copy_stats(sv_metrics *reg, void *arg)
{
	for (int i = 0; i < STAT_COUNT; i++)
		sv_metric_set(wm.stats[i], (double)stats_get((worker_stat)i));
	for (size_t i = 0; i < sizeof(retry_reasons) / sizeof(retry_reasons[0]); i++)
		sv_metric_set(wm.retries, (double)stats_get(retry_reasons[i].stat), retry_reasons[i].reason);
}

static int register_series(sv_metrics *reg)
{
	wm.judged = sv_metrics_counter(reg, "solveit_worker_judged",
				       "Final results delivered, by verdict (\"failed\": could not be judged) and "
				       "Judge0 language id",
				       "verdict,language");
	wm.duration =
	    sv_metrics_histogram(reg, "solveit_worker_judge_duration_seconds",
				 "Time from the start of judging to the delivered final result", "language,executor",
				 sv_metrics_duration_buckets, sv_metrics_duration_bucket_count);
	wm.dead_letters = sv_metrics_counter(reg, "solveit_worker_dead_letters",
					     "Messages sent to the dead-letter topic, by reason", "reason");
	wm.retries = sv_metrics_counter(reg, "solveit_worker_retries",
					"Retries by reason: executor (a judgement again after an executor failure), "
					"judge0 (a Judge0 request again), starved (a test run again after a starved "
					"wall-clock kill)",
					"reason");
	wm.in_flight = sv_metrics_gauge(reg, "solveit_worker_in_flight", "Judgements running now", NULL);
	wm.lag = sv_metrics_gauge(reg, "solveit_worker_consumer_lag",
				  "Messages of an assigned partition not yet taken by this worker", "topic,partition");
	if (!wm.judged || !wm.duration || !wm.dead_letters || !wm.retries || !wm.in_flight || !wm.lag)
		return -1;
	for (int i = 0; i < STAT_COUNT; i++) {
		char name[128], help[192];

		snprintf(name, sizeof(name), "solveit_worker_%s", stats_name((worker_stat)i));
		snprintf(help, sizeof(help), "The judge-worker's %s %s (as in --stats-file)",
			 is_gauge((worker_stat)i) ? "gauge" : "counter", stats_name((worker_stat)i));
		wm.stats[i] = is_gauge((worker_stat)i) ? sv_metrics_gauge(reg, name, help, NULL)
						       : sv_metrics_counter(reg, name, help, NULL);
		if (!wm.stats[i])
			sv_log(SV_LOG_WARNING, "metrics: counter %s not exported (an invalid or repeated name)", name);
	}
	return sv_metrics_on_scrape(reg, copy_stats, NULL);
}

int worker_metrics_start(const char *addr, const char *executor, char *err, size_t errlen)
{
	if (!addr || !*addr)
		return 0;
	wm.executor = executor;
	wm.server = sv_metrics_serve(addr, register_series, err, errlen);
	if (!wm.server)
		memset(&wm, 0, sizeof(wm)); /* what register_series set is gone with its registry */
	return wm.server ? 0 : -1;
}

void worker_metrics_stop(void)
{
	sv_metrics_stop(wm.server);
	memset(&wm, 0, sizeof(wm));
}

void worker_metrics_judged(const sv_result_msg *res, int language_id, double seconds)
{
	char language[16];
	const char *verdict = res->status == SV_STATUS_COMPLETED ? sv_verdict_name(res->verdict) : "failed";

	if (!wm.server)
		return;
	snprintf(language, sizeof(language), "%d", language_id);
	sv_metric_add(wm.judged, 1, verdict, language);
	sv_metric_observe(wm.duration, seconds, language, wm.executor);
}

void worker_metrics_dead_letter(const char *reason)
{
	sv_metric_add(wm.dead_letters, 1, reason);
}

void worker_metrics_in_flight(int delta)
{
	sv_metric_add(wm.in_flight, delta);
}

void worker_metrics_lag(rd_kafka_t *consumer, int paused)
{
	sv_metrics_kafka_lag(wm.lag, consumer, paused);
}
