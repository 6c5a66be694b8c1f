# The table make bench prints, from var/bench/latest.json: figure, measured, target, met.
# Targets (docs/PERFORMANCE.md) are shown, never enforced. Rows are tab-separated (column -t).
def r0: if . == null then "-" else (. | round | tostring) end;
def r1: if . == null then "-" else ((. * 10 | round) / 10 | tostring) end;
def r2: if . == null then "-" else ((. * 100 | round) / 100 | tostring) end;
def met(ok): if ok then "yes" else "NO" end;
# CPU in % of one core that went neither to the run's processes nor to the load generator
def others: (.machine - ([.intake, .routing, .escalation, .stats, .postgres, .bench_client] | map(. // 0) | add))
            | if . < 0 then 0 else . end;
def cpu_windows: [{name: "intake", cpu: .intake.cpu_percent}, {name: "end_to_end", cpu: .end_to_end.cpu_percent},
                  {name: "latency", cpu: .latency.cpu_percent}, {name: "stats_lag", cpu: .stats.lag.cpu_percent},
                  {name: "catch_up (filling)", cpu: .catch_up.fill_cpu_percent},
                  {name: "catch_up (reconnected)", cpu: .catch_up.cpu_percent}];
def lat(l): "\(l.p50 | r2) / \(l.p99 | r2) / \(l.p999 | r2) ms";

. as $b
| ["figure", "measured", "target", "met"],
  ["pgbench set-based, 100 cases per statement, 1 connection (the reference)",
   "\($b.pgbench.set_based.one_connection.cases_per_s | r0) cases/s", "", ""],
  ["  the same, 8 connections", "\($b.pgbench.set_based.eight_connections.cases_per_s | r0) cases/s (\($b.ratios.set_eight_to_set_one | r2) x)", "", ""],
  ["intake, \($b.intake.reporters) reporters unthrottled (\($b.intake.window_s | r0) s)",
   "\($b.intake.intake_cases_per_s | r0) cases/s", "", ""],
  ["  intake / the reference", ($b.ratios.intake_to_set_one | r2), ">= 0.6",
   met($b.ratios.intake_to_set_one >= 0.6)],
  ["  intake / pgbench per statement, 100 / 1 case per tx",
   "\($b.ratios.intake_to_pgbench_hundred | r2) / \($b.ratios.intake_to_pgbench_one | r2)", "", ""],
  ["  intake / the counter path, 100 / 1 per tx",
   "\($b.ratios.intake_to_counter_hundred | r2) / \($b.ratios.intake_to_counter_one | r2)", "", ""],
  ["Open311 gateway: POST requests, \($b.open311.connections) HTTP clients unthrottled",
   "\($b.open311.posts_per_s | r0) posts/s (intake \($b.intake.intake_cases_per_s | r0)/s)", "", ""],
  ["  GET requests/ID at \($b.open311.get_rate)/s p50/p99",
   "\($b.open311.get_ms.p50 | r2) / \($b.open311.get_ms.p99 | r2) ms", "", ""],
  ["end-to-end, unthrottled (\($b.end_to_end.window_s | r0) s offered, all through \($b.end_to_end.drain_s | r0) s later)",
   "\($b.end_to_end.end_to_end_cases_per_s | r0) cases/s", "", ""],
  ["  end-to-end / the reference", ($b.ratios.end_to_end_to_set_one | r2), ">= 0.4",
   met($b.ratios.end_to_end_to_set_one >= 0.4)],
  ["  end-to-end / pgbench per statement, 100 per tx", ($b.ratios.end_to_end_to_pgbench_hundred | r2), "", ""],
  ["  within the window: intake / delivered+acked / counted",
   "\($b.end_to_end.intake_cases_per_s | r0) / \($b.end_to_end.delivered_acked_cases_per_s | r0) / \($b.end_to_end.stats_counted_cases_per_s | r0) cases/s",
   "", ""],
  ["submit->ack at \($b.latency.offered_rate | r0)/s p50/p99/p99.9 (\($b.latency.window_s | r0) s)",
   lat($b.latency.submit_to_ack_ms), "p99 <= 15 ms", met($b.latency.submit_to_ack_ms.p99 <= 15)],
  ["  sent at the offered rate", "\($b.latency.sent_per_s | r0) cases/s", "", ""],
  ["  pgbench, 1 case per tx at \($b.pgbench.one_per_tx_at_rate.offered_rate | r0)/s p50/p99/p99.9",
   lat($b.pgbench.one_per_tx_at_rate.latency_ms), "", ""],
  ["  submit->ack p99 / pgbench's p99", ($b.ratios.ack_p99_to_pgbench_p99 | r2), "", ""],
  ["submit->department at \($b.latency.offered_rate | r0)/s p50/p99/p99.9",
   lat($b.latency.submit_to_department_ms), "p99 <= 50 ms",
   met($b.latency.submit_to_department_ms.p99 <= 50)],
  ["department catch-up, \($b.catch_up.cases) cases (\($b.catch_up.catch_up_s | r1) s, \($b.catch_up.resubscribed) resubscriptions)",
   "\($b.catch_up.cases_per_s | r0) cases/s", ">= 50000 cases/s",
   met($b.catch_up.cases_per_s >= 50000)],
  ["  catch-up / the reference", ($b.ratios.catch_up_to_set_one | r2), "", ""],
  ["escalation empty tick, \($b.escalation.open_cases) open: median / p99",
   "\($b.escalation.empty_tick_ms.median | r2) / \($b.escalation.empty_tick_ms.p99 | r2) ms",
   "< 50 ms", met($b.escalation.empty_tick_ms.p99 < 50)],
  ["  \($b.escalation.due_at_once) due at once", "\($b.escalation.escalations_per_second | r0) cases/s",
   "", ""],
  ["stats lag at \($b.stats.lag.offered_rate | r0)/s p50/p99/max (\($b.stats.lag.stats_lag_ms.n) closures)",
   "\($b.stats.lag.stats_lag_ms.p50 | r0) / \($b.stats.lag.stats_lag_ms.p99 | r0) / \($b.stats.lag.stats_lag_ms.max | r0) ms",
   "p99 <= 1000 ms", met($b.stats.lag.stats_lag_ms.p99 <= 1000 and $b.stats.lag.stats_lag_ms.not_shown == 0)],
  ["stats restart to first snapshot, \($b.stats.restart.cases_in_db) cases",
   "\($b.stats.restart.first_snapshot_s | r2) s", "< 5 s",
   met($b.stats.restart.first_snapshot_s < 5)],
  ($b.memory_mb | to_entries[]
   | ["peak RSS gc-\(.key)", "\(.value | r1) MB", "< 64 MB", met(.value < 64)]),
  (if $b.filled then
     ["history stored before the run (\($b.filled.fill_s | r0) s to fill and vacuum)", "\($b.filled.cases) cases", "", ""],
     ["  intake / on an empty database (\($b.filled.empty_run.commit // "no empty run"))", ($b.filled.intake_to_empty | r2), ">= 0.8",
      met($b.filled.intake_to_empty != null and $b.filled.intake_to_empty >= 0.8)],
     ["  end-to-end / on an empty database", ($b.filled.end_to_end_to_empty | r2), ">= 0.8",
      met($b.filled.end_to_end_to_empty != null and $b.filled.end_to_end_to_empty >= 0.8)],
     ["  submit->ack p99 / on an empty database", ($b.filled.ack_p99_to_empty | r2), "<= 1.2",
      met($b.filled.ack_p99_to_empty != null and $b.filled.ack_p99_to_empty <= 1.2)]
   else empty end),
  ["storage per million cases (\($b.storage.cases) in the database): table + indexes", "", "", ""],
  ($b.storage.per_million_cases_mb | to_entries[]
   | ["  \(.key)", "\(.value.table | r0) + \(.value.index | r0) MB", "", ""]),
  ["pgbench, 1 case per tx, 64 clients (\($b.pgbench.seconds) s)",
   "\($b.pgbench.one_per_tx.cases_per_s | r0) cases/s", "", ""],
  ["pgbench, 100 cases per tx, 8 clients (\($b.pgbench.seconds) s)",
   "\($b.pgbench.hundred_per_tx.cases_per_s | r0) cases/s", "", ""],
  ["pgbench, the counter path, 1 / 100 per tx",
   "\($b.pgbench.counter.one_per_tx.cases_per_s | r0) / \($b.pgbench.counter.hundred_per_tx.cases_per_s | r0) cases/s", "", ""],
  [],
  ["CPU in each window, % of one core", "intake routing escalation stats postgres bench-client machine others", "", ""],
  (cpu_windows[] | ["  \(.name)", ([.cpu | .intake, .routing, .escalation, .stats, .postgres, .bench_client, .machine, others | r0] | join(" ")), "", ""]),
  ["other work on the machine: before the run (\($b.machine_before.seconds) s) / most in a window",
   "\($b.machine_before.busy_percent | r0) / \([cpu_windows[] | .cpu | others] | max | r0) % of a core", "<= 10 %",
   met($b.machine_before.busy_percent <= 10 and ([cpu_windows[] | .cpu | others] | max) <= 10)]
| @tsv
