-- solveit_iso (sql/030) was declared IMMUTABLE, but its body calls to_char on a timestamp, which
-- PostgreSQL marks STABLE. A SQL function whose body is less immutable than its declaration is
-- never inlined, so every statement that called it parsed and planned the body again: twice per
-- submission in solveit_submit's RETURNING. Declared STABLE (what it is), it is inlined into its
-- callers. pgbench on solveit_submit alone, durable, 16 clients, same sitting: 5,027-5,398/s
-- before, 6,131-6,148/s after; perf showed fmgr_sql at 11 % of the backends' CPU before, none after.
ALTER FUNCTION solveit_iso(timestamptz) STABLE;
