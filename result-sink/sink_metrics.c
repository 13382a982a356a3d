#include "sink_metrics.h"

#include <stdio.h>
#include <string.h>

#include "sv_metrics.h"

static struct {
	sv_metrics_server *server;
	sv_metric *applied, *refused, *dead_letters, *sweeper, *db_errors, *lag;
} sm;

static int register_series(sv_metrics *reg)
{
	sm.applied = sv_metrics_counter(reg, "solveit_sink_results_applied",
					"Final results written to their submission, by verdict (\"failed\": could "
					"not be judged)",
					"verdict");
	sm.refused = sv_metrics_counter(reg, "solveit_sink_results_refused",
					"Events refused and dead-lettered, by reason", "reason");
	sm.dead_letters =
	    sv_metrics_counter(reg, "solveit_sink_dead_letters", "Dead letters the broker confirmed", NULL);
	sm.sweeper = sv_metrics_counter(reg, "solveit_sink_sweeper_actions",
					"Submissions (or rows) the sweeper acted on, by action", "action");
	sm.db_errors = sv_metrics_counter(reg, "solveit_sink_db_errors",
					  "Failed PostgreSQL statements and connection attempts", NULL);
	sm.lag = sv_metrics_gauge(reg, "solveit_sink_consumer_lag",
				  "Events of an assigned partition not yet taken by this sink", "topic,partition");
	return sm.applied && sm.refused && sm.dead_letters && sm.sweeper && sm.db_errors && sm.lag ? 0 : -1;
}

int sink_metrics_start(const char *addr, char *err, size_t errlen)
{
	if (!addr || !*addr)
		return 0;
	sm.server = sv_metrics_serve(addr, register_series, err, errlen);
	if (!sm.server)
		memset(&sm, 0, sizeof(sm)); /* what register_series set is gone with its registry */
	return sm.server ? 0 : -1;
}

void sink_metrics_stop(void)
{
	sv_metrics_stop(sm.server);
	memset(&sm, 0, sizeof(sm));
}

void sink_metrics_applied(const sv_result_msg *msg)
{
	if (msg->status == SV_STATUS_COMPLETED)
		sv_metric_add(sm.applied, 1, sv_verdict_name(msg->verdict));
	else if (msg->status == SV_STATUS_FAILED)
		sv_metric_add(sm.applied, 1, "failed");
}

void sink_metrics_refused(const char *reason)
{
	sv_metric_add(sm.refused, 1, reason);
}

void sink_metrics_dead_letter(void)
{
	sv_metric_add(sm.dead_letters, 1);
}

void sink_metrics_sweeper(const char *action, long n)
{
	if (action && n > 0)
		sv_metric_add(sm.sweeper, (double)n, action);
}

const char *sink_metrics_sweep_action(const char *statement)
{
	static const char *const actions[][2] = {
	    {"sweep_fail", "failed"},
	    {"sweep_requeue", "requeued"},
	    {"sweep_requeue_pending", "requeued_pending"},
	    {"sweep_sessions", "sessions_deleted"},
	    {"sweep_login_failures", "login_failures_deleted"},
	};

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(statement, actions[i][0]))
			return actions[i][1];
	return NULL;
}

void sink_metrics_db_error(void)
{
	sv_metric_add(sm.db_errors, 1);
}

void sink_metrics_lag(rd_kafka_t *consumer)
{
	sv_metrics_kafka_lag(sm.lag, consumer, 0);
}
