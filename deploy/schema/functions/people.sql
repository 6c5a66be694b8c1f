-- The district's own assessment of its people (督察考核): per grid worker and leader, what the
-- timeline says they did. Not on the statistics stream and granted to no daemon nor dashboard:
-- the district's administration reads it (gridctl connects as the schema's owner).

-- One row per person, retired ones included (their past counts): cases they reported (发现上报:
-- submissions naming them), closed on the spot, resolutions they verified (closed) and reopened,
-- and escalations they asked for.
CREATE VIEW people_assessment AS
SELECT p.code, p.name, p.role, p.area_code, p.retired_at,
       count(e.seq) FILTER (WHERE e.kind = 'submitted') AS reported,
       count(e.seq) FILTER (WHERE e.kind = 'resolved_on_spot') AS closed_on_spot,
       count(e.seq) FILTER (WHERE e.kind = 'verified') AS verified,
       count(e.seq) FILTER (WHERE e.kind = 'reopened') AS reopened,
       count(e.seq) FILTER (WHERE e.kind = 'escalation_requested') AS escalation_requested
FROM people p
LEFT JOIN case_events e ON e.person_code = p.code
GROUP BY p.code;
