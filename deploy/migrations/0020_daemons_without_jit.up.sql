-- The daemons' sessions run without JIT compilation (issue 9). Their statements are short
-- look-ups and batches; PostgreSQL decides to compile a plan from its estimated cost, and the
-- estimates of the statements that read a batch through a LATERAL subquery with a LIMIT taken
-- from a row or a parameter grow with the tables, not with the batch. On the benchmark's
-- database (1.27 million deliveries for one department) routing's department window query was
-- estimated at 152,000 (jit_above_cost is 100,000): each call compiled its plan, 17.6 ms of
-- JIT for about 4 ms of work reading 1,000 deliveries, and catching up a million deliveries ran
-- at 34,280 cases/s with PostgreSQL at 90 % of a core. Migration 0019 met the same trap in the
-- event log read and turned JIT off for that function alone; this turns it off for every
-- statement of the four daemons' roles, for the next one nobody has measured yet. The
-- dashboards' role and gridctl keep the server's setting: their reports may scan a lot.
-- (A setting of a role applies from that role's next connection, in every database.)

ALTER ROLE gridcase_intake SET jit = off;
ALTER ROLE gridcase_routing SET jit = off;
ALTER ROLE gridcase_escalation SET jit = off;
ALTER ROLE gridcase_stats SET jit = off;
