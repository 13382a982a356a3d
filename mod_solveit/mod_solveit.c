/* mod_solveit: the module struct, its hooks and the child lifecycle. Everything else lives in
 * solveit_<area>.c. */

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_mmn.h"
#include "ap_mpm.h"
#include "http_connection.h"
#include "http_core.h"
#include "mpm_common.h"
#include "scoreboard.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "solveit_catalog.h"
#include "solveit_config.h"
#include "solveit_db.h"
#include "solveit_kafka.h"
#include "solveit_metrics.h"
#include "solveit_redis.h"
#include "solveit_router.h"
#include "solveit_session.h"
#include "sv_log.h"
#include "sv_version.h"

/* common/ logs through sv_log; in httpd its lines go to the error log of the main server. */
static server_rec *log_server;

static void log_sink(void *baton, sv_log_level level, const char *message)
{
	ap_log_error(APLOG_MARK, (int)level, 0, log_server, "solveit: %s", message);
}

/* Loaded without any Solveit directive (a2enmod without its configuration), the module stays
 * inert: it answers no request and starts nothing in the children. Decided again each time httpd
 * reads its configuration; the children inherit it. */
static int inert;

#define INERT_NOTICE                                                                                                   \
	"solveit: mod_solveit is loaded but no Solveit directive is set: it stays inert and answers no request "       \
	"(enable its configuration: a2enconf solveit)"

/* Notices are logged once: by apachectl configtest (apache2 -t, which stops after check_config),
 * else in post_config of the pass that really runs. check_config runs on both of httpd's passes
 * at start, and on the second one its messages reach neither the terminal nor the error log. */
static int configtest(void)
{
	return ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST;
}

/* The PostgreSQL connections the MPM's children may hold (solveit_config_check_pool). */
static const char *check_connections(apr_pool_t *p, server_rec *s, int *fatal)
{
	int children = 1;

	/* Only after the MPM's own check_config has worked it out from MaxRequestWorkers. */
	if (ap_mpm_query(AP_MPMQ_MAX_DAEMONS, &children) != APR_SUCCESS || children < 1)
		children = 1;
	return solveit_config_check_pool(p, s, children, fatal);
}

static int refuse(server_rec *s, const char *err)
{
	ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s", err);
	return HTTP_INTERNAL_SERVER_ERROR;
}

/* Every check of the configuration as a whole runs here, not in post_config: httpd runs
 * check_config before apachectl configtest says "Syntax OK", so a configuration that passes
 * configtest (as apachectl graceful asks first) is one this module starts with. mod_dbd's presence
 * is checked here too. Hooked last: the MPM's check_config first works out its number of children. */
static int solveit_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
	const char *err;
	int fatal;

	inert = !solveit_config_in_use(s);
	if (inert) {
		if (configtest())
			ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, INERT_NOTICE);
		return OK;
	}
	if ((err = solveit_db_register(s)) != NULL)
		return refuse(s, err);
	for (server_rec *sp = s; sp; sp = sp->next)
		if ((err = solveit_config_check(ptemp, solveit_config_get(sp))) != NULL)
			return refuse(sp, err);
	err = check_connections(ptemp, s, &fatal);
	if (err && fatal)
		return refuse(s, err);
	if (err && configtest())
		ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "%s", err);
	return OK;
}

/* The MPMs' parent waits for its children in ap_wait_or_timeout, which sleeps a whole second when
 * no child has exited at that moment. After a graceful restart the parent starts the new children
 * only once an old one has exited or that second has passed, and the old ones stopped listening at
 * once: every request, static or not, waited up to a second (bench/graceful-gap.py showed it on an
 * httpd without this module too). A SIGCHLD handler that does nothing ends the sleep at the first
 * exit, since select() is never restarted after a handler; SA_RESTART leaves every other call as
 * it was, and a child is reaped by waitpid as before. Installed in the parent only when SIGCHLD is
 * still SIG_DFL (another module's handler stays); the children go back to SIG_DFL in child_init. */
static int wakes_on_child_exit;

static void on_child_exit(int sig)
{
	/* nothing: being called is what interrupts the parent's sleep */
}

/* httpd unloads its modules at every restart: a handler left pointing into this one would run
 * unmapped code at the next exit. So it goes with the configuration pool, before the unload (a
 * later-registered cleanup runs first), and the next generation installs it again. */
static apr_status_t no_wake_on_child_exit(void *data)
{
	struct sigaction now;

	if (sigaction(SIGCHLD, NULL, &now) == 0 && !(now.sa_flags & SA_SIGINFO) && now.sa_handler == on_child_exit)
		signal(SIGCHLD, SIG_DFL);
	wakes_on_child_exit = 0;
	return APR_SUCCESS;
}

static void wake_on_child_exit(apr_pool_t *pconf)
{
	struct sigaction now, ours;

	if (sigaction(SIGCHLD, NULL, &now) != 0 || (now.sa_flags & SA_SIGINFO) || now.sa_handler != SIG_DFL)
		return;
	memset(&ours, 0, sizeof(ours));
	ours.sa_handler = on_child_exit;
	ours.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&ours.sa_mask);
	if (sigaction(SIGCHLD, &ours, NULL) != 0)
		return;
	wakes_on_child_exit = 1;
	apr_pool_cleanup_register(pconf, NULL, no_wake_on_child_exit, apr_pool_cleanup_null);
}

/* What needs the server that really runs; nothing here refuses a configuration. */
static int solveit_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
	const char *notice;
	int fatal;

	if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
		return OK; /* the dry run: nothing more to do */
	if (inert) {
		ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, INERT_NOTICE);
		return OK;
	}
	if ((notice = check_connections(ptemp, s, &fatal)) != NULL)
		ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "%s", notice);
	log_server = s;
	sv_log_set_sink(log_sink, NULL, SV_LOG_INFO);
	if (!ap_exists_config_define("ONE_PROCESS"))
		wake_on_child_exit(pconf);
	/* Made in the parent so that every child of this generation shares it. */
	sv_session_cache_post_config(pconf, s);
	sv_metrics_post_config(s, solveit_routes, solveit_route_count); /* carried over restarts */
	if (rd_kafka_version() != RD_KAFKA_VERSION)
		ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "solveit: built against librdkafka %x, running with %s",
			     RD_KAFKA_VERSION, rd_kafka_version_str());
	ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "solveit %s ready", SV_VERSION);
	return OK;
}

/* An inert module leaves every request to the rest of httpd. */
static int solveit_translate_hook(request_rec *r)
{
	return inert ? DECLINED : solveit_translate(r);
}

static void solveit_insert_error_filter_hook(request_rec *r)
{
	if (!inert)
		solveit_insert_error_filter(r);
}

/* prefork's children die on SIGTERM (stop) and SIGHUP (restart) inside the signal handler: it
 * destroys the child's pool and exits wherever the signal caught the child. Caught while a request
 * was still being finished (logged, its pools torn down) after the client already had the answer,
 * the pool cleanups run on half-destroyed pools and reslists and the child dies of a signal
 * instead of exiting (under valgrind: apr_reslist's assertion on mod_dbd's pool, SIGABRT). So
 * while this child finishes a request, the first such signal only asks it to stop listening
 * (prefork's graceful stop: it exits through the same cleanups once the connection is done); one
 * that comes STOP_GRACE_SEC later, the parent's next SIGTERM, gets prefork's own handler. */
#define STOP_GRACE_SEC 2

static volatile worker_score *this_worker; /* prefork: the one scoreboard slot of this child */
static struct sigaction mpm_die[2], mpm_graceful;
static volatile sig_atomic_t stop_deferred;
static struct timespec stop_deferred_at;

static int finishing_request(void)
{
	int status = this_worker ? this_worker->status : SERVER_READY;

	/* READY (waiting for a connection), BUSY_READ (reading a request) and BUSY_KEEPALIVE
	 * (waiting for the next one) are blocked reads with nothing half done: prefork dies there. */
	return status == SERVER_BUSY_WRITE || status == SERVER_BUSY_LOG || status == SERVER_BUSY_DNS ||
	       status == SERVER_CLOSING;
}

static void call_handler(const struct sigaction *sa, int sig)
{
	if (sa->sa_flags & SA_SIGINFO)
		sa->sa_sigaction(sig, NULL, NULL);
	else if (sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN)
		sa->sa_handler(sig);
}

static void on_stop_signal(int sig)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now); /* async-signal-safe */
	if (stop_deferred && now.tv_sec - stop_deferred_at.tv_sec < STOP_GRACE_SEC)
		return; /* the parent sends SIGTERM twice at once; the stop is under way */
	if (!stop_deferred && finishing_request()) {
		stop_deferred = 1;
		stop_deferred_at = now;
		call_handler(&mpm_graceful, AP_SIG_GRACEFUL);
		return;
	}
	call_handler(&mpm_die[sig == SIGHUP], sig);
}

static int is_handler(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) ? sa->sa_sigaction != NULL
					   : sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

/* prefork's stop signals: SIGTERM (stop), SIGHUP (restart) and the graceful one. */
static void stop_signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, AP_SIG_GRACEFUL);
}

static void defer_stop_signals(server_rec *s)
{
	struct sigaction ours;

	if (strcmp(ap_show_mpm(), "prefork") != 0 || ap_exists_config_define("ONE_PROCESS"))
		return;
	if (sigaction(SIGTERM, NULL, &mpm_die[0]) != 0 || sigaction(SIGHUP, NULL, &mpm_die[1]) != 0 ||
	    sigaction(AP_SIG_GRACEFUL, NULL, &mpm_graceful) != 0 || !is_handler(&mpm_die[0]) ||
	    !is_handler(&mpm_die[1]) || !is_handler(&mpm_graceful)) {
		ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
			     "solveit: prefork's signal handlers not found; a stop may catch a request being finished");
		return;
	}
	memset(&ours, 0, sizeof(ours));
	ours.sa_handler = on_stop_signal;
	/* A deferred stop returns into the request: its reads and writes carry on, not fail with EINTR. */
	ours.sa_flags = SA_RESTART;
	stop_signal_set(&ours.sa_mask);
	sigaction(SIGTERM, &ours, NULL);
	sigaction(SIGHUP, &ours, NULL);
}

static int solveit_pre_connection(conn_rec *c, void *csd)
{
	if (c->sbh && !this_worker)
		this_worker = ap_get_scoreboard_worker(c->sbh);
	return OK;
}

/* prefork installs its dying handlers before it runs the child_init hooks, so a stop that came
 * while a child was still starting (right after a start, or at a respawn) destroyed the child's
 * pool in the middle of the hooks: mod_dbd filling its pool, librdkafka starting its threads. The
 * stop signals are held from the first child_init hook to the last, and a stop that came meanwhile
 * is taken once the child is whole. The threads started meanwhile keep them blocked for good: only
 * the thread that serves may run prefork's handlers. */
static sigset_t mask_before_child_init;

/* prefork gives the child's pool an allocator without a mutex (its child has one thread), and
 * every pool of the child, each request's included, is carved from it. This module's threads
 * (the Kafka poll thread, the kafka_sent_at thread with its database connection) allocate and
 * free there too, so the allocator gets a mutex. Without it two threads could free into it at
 * once: a child stopped right after its start, both threads leaving together, died of SIGSEGV in
 * apr_allocator_destroy at exit (tests/integration/test_module_prefork_stop.py; CI saw it once).
 * An allocator that has a mutex already is left as it is. */
static void lock_child_allocator(apr_pool_t *pchild, server_rec *s)
{
	apr_allocator_t *allocator = apr_pool_allocator_get(pchild);
	apr_thread_mutex_t *mutex;
	apr_status_t rv;

	if (!allocator || apr_allocator_mutex_get(allocator))
		return;
	rv = apr_thread_mutex_create(&mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
	if (rv != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "solveit: cannot make the child's allocator thread-safe");
		return;
	}
	apr_allocator_mutex_set(allocator, mutex);
}

static void solveit_child_init_first(apr_pool_t *pchild, server_rec *s)
{
	sigset_t stop;

	stop_signal_set(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, &mask_before_child_init);
	if (wakes_on_child_exit)
		signal(SIGCHLD, SIG_DFL); /* the parent's, inherited: a child keeps the default */
	if (!inert)
		lock_child_allocator(pchild, s);
}

static void solveit_child_init_last(apr_pool_t *pchild, server_rec *s)
{
	pthread_sigmask(SIG_SETMASK, &mask_before_child_init, NULL);
}

static void solveit_child_init(apr_pool_t *pchild, server_rec *s)
{
	/* librdkafka's threads do not survive fork(): every child makes its own producer here, after
	 * the MPM dropped privileges and blocked signals for the threads we start. A failure is
	 * logged and the child serves on; submissions then wait for the sweeper. */
	int threads = 1;

	if (inert)
		return;
	sv_metrics_child_init(pchild, s); /* before the producer, whose poll thread writes the slot */
	solveit_kafka_child_init(pchild, s);
	sv_session_cache_child_init(pchild, s);
	sv_catalog_child_init(pchild, s);
	/* At most one Redis connection per thread serving requests. */
	if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1)
		threads = 1;
	solveit_redis_child_init(pchild, s, threads);
	defer_stop_signals(s);
}

#if AP_MODULE_MAGIC_AT_LEAST(20120211, 110)
static void solveit_child_stopping(apr_pool_t *pchild, int graceful)
{
	if (!inert)
		solveit_kafka_child_stopping();
}
#endif

static void solveit_register_hooks(apr_pool_t *p)
{
	ap_hook_check_config(solveit_check_config, NULL, NULL, APR_HOOK_LAST);
	ap_hook_post_config(solveit_post_config, NULL, NULL, APR_HOOK_MIDDLE);
	ap_hook_child_init(solveit_child_init_first, NULL, NULL, APR_HOOK_REALLY_FIRST);
	ap_hook_child_init(solveit_child_init, NULL, NULL, APR_HOOK_MIDDLE);
	ap_hook_child_init(solveit_child_init_last, NULL, NULL, APR_HOOK_REALLY_LAST);
	ap_hook_pre_connection(solveit_pre_connection, NULL, NULL, APR_HOOK_REALLY_FIRST);
#if AP_MODULE_MAGIC_AT_LEAST(20120211, 110)
	ap_hook_child_stopping(solveit_child_stopping, NULL, NULL, APR_HOOK_MIDDLE);
#endif
	ap_hook_translate_name(solveit_translate_hook, NULL, NULL, APR_HOOK_FIRST);
	ap_hook_map_to_storage(solveit_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
	ap_hook_handler(solveit_handler, NULL, NULL, APR_HOOK_MIDDLE);
	ap_hook_insert_error_filter(solveit_insert_error_filter_hook, NULL, NULL, APR_HOOK_MIDDLE);
	ap_hook_log_transaction(sv_metrics_log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
	ap_register_output_filter(SV_JSON_ERROR_FILTER, sv_json_error_filter, NULL, AP_FTYPE_CONTENT_SET);
}

AP_DECLARE_MODULE(solveit) = {
    STANDARD20_MODULE_STUFF,
    NULL,                  /* per-directory config: none, every directive is server-wide */
    NULL,                  /* merge per-directory */
    solveit_config_create, /* per-server config */
    solveit_config_merge,  /* merge per-server */
    solveit_cmds,          /* directives */
    solveit_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_ALWAYS_MERGE,
#endif
};
