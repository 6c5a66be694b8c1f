-- What the Open311 gateway (gc-open311) shows of a case, and how it writes times. Its role reads
-- cases only through this view (the gateway migration, 10_gateway.sql): the view has no
-- reporter column, so no query of the gateway can return one.

-- A time as ISO 8601 with the district's offset, as GeoReport v2 shows datetimes:
-- 2026-12-06T09:30:00+08:00. NULL stays NULL.
CREATE FUNCTION gc_open311_time(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS
$$
    SELECT to_char(p_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD"T"HH24:MI:SS')
           || CASE WHEN o.secs < 0 THEN '-' ELSE '+' END
           || lpad((abs(o.secs) / 3600)::text, 2, '0') || ':'
           || lpad((abs(o.secs) % 3600 / 60)::text, 2, '0')
    FROM district_settings s,
         LATERAL (SELECT extract(epoch FROM (p_at AT TIME ZONE s.time_zone)
                                           - (p_at AT TIME ZONE 'UTC'))::integer AS secs) o
    WHERE p_at IS NOT NULL
$$;

-- One row per case: a service request. status_note is the note of the case's latest public event:
-- what a department said on accepting, progressing or resolving it, the grid's note on verifying
-- or reopening, a leader's note on settling it on the spot, a joint meeting's decision. Notes
-- among the handlers (noted, returned, escalation and extension requests) are not public: they
-- may name the reporter. agency is the lead department's name (NULL before routing, or when it
-- was returned to triage). Each row costs two index look-ups (case_assignments' key,
-- case_events_case), so a page of 1000 requests is a few milliseconds.
CREATE VIEW open311_requests AS
SELECT c.id, c.ref, c.category, k.name AS category_name, c.status, c.description, c.address,
       c.lat, c.lon, c.area_code, c.created_at, c.updated_at, c.deadline_at,
       (SELECT d.name FROM case_assignments x JOIN departments d ON d.code = x.department
        WHERE x.case_id = c.id AND x.is_lead AND x.active
        ORDER BY x.department LIMIT 1) AS agency,
       (SELECT e.note FROM case_events e
        WHERE e.case_id = c.id AND e.note <> ''
          AND e.kind IN ('accepted', 'progress', 'resolved', 'resolved_on_spot', 'verified',
                         'reopened', 'meeting_decided')
        ORDER BY e.seq DESC LIMIT 1) AS status_note
FROM cases c
JOIN categories k ON k.code = c.category;

GRANT SELECT ON open311_requests TO gridcase_open311;
GRANT EXECUTE ON FUNCTION gc_open311_time(timestamptz) TO gridcase_open311;
