-- The late half of a user's best final score per task (solveit_db.c, BEST_FINAL): late submissions
-- are few, so the task list finds the best of them without reading the user's others. The on-time
-- half reads submissions_best_idx (sql/012).
CREATE INDEX submissions_late_best_idx ON submissions (user_id, task_id) WHERE status = 'completed' AND late;
