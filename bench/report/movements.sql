-- bench/report/movements.sql: oms-report movements (the whole ledger),
-- from the definition in lib/rstock.c: per location, kind and reason up
-- to its first colon, the signed sum of the quantities and the count.
.mode tabs
SELECT location, kind,
  CASE WHEN reason LIKE '%:%' THEN substr(reason, 1, instr(reason, ':') - 1)
    ELSE reason END AS why,
  sum(qty), count(*)
FROM movements GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
