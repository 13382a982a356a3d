#ifndef WORKER_TRUST_H
#define WORKER_TRUST_H

#include "sv_run.h"
#include "worker.h"

/* What the judge-worker believes of a message before it judges anything (issue 14, finding 1):
 * only a message signed with the services' keyring (sv_kafka_mac.h), and only code that is the
 * stored row's. Anyone who can produce to the topics can write anything there; PostgreSQL is the
 * truth. A message that fails either check is dead-lettered with the reason, logged and never
 * judged, and produces no result: it can neither get other code judged for a submission nor mark
 * one failed. See doc/security.md, "Kafka messages". */

/* Each judging thread reads the stored rows over a PostgreSQL connection of its own, closed when
 * the thread ends. */

/* Whether j's submission message may be judged: its MAC verifies under SV_MAC_LABEL_SUBMISSION
 * and, when it parses, the stored submission it names has the same task, user, language, attempt
 * and code (SHA-256). A message that does not parse is left to worker_judge (it is signed, so its
 * failed result is the services' own word). Waits out PostgreSQL outages. Returns 1 to judge it;
 * 0 when not, with *jr JOB_DONE once dead-lettered (JOB_GIVEN_BACK when cancelled first). */
int worker_trust_submission(worker *w, job *j, job_result *jr);

/* The same for a parsed run message (SV_MAC_LABEL_RUN; the stored sample_runs row: token, user,
 * task, language and code). */
int worker_trust_run(worker *w, job *j, const sv_run_msg *run, job_result *jr);

/* Only the MAC of a run message, before it is parsed: 1 when it verifies, else 0 with *jr set as
 * above (dead-lettered). */
int worker_trust_run_mac(worker *w, job *j, job_result *jr);

/* Sends j's message to the dead-letter topic with why in its header; JOB_DONE once dealt with
 * (also when it cannot be dead-lettered at all: logged, never stalling the partition),
 * JOB_GIVEN_BACK when cancelled first. reason, a word, labels the metric (worker_metrics.h). */
job_result worker_dead_letter(worker *w, job *j, const char *reason, const char *why);

#endif
