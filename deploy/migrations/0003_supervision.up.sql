-- Escalation: a case overdue at the district is flagged for supervision (督办) once; it never
-- escalates further and is never dropped. The statistics count it.
ALTER TABLE cases ADD COLUMN supervised_at timestamptz;
ALTER TABLE stats_figures ADD COLUMN supervised bigint NOT NULL DEFAULT 0;

-- The deadline at a level counted from a given start: for an overdue case, from the deadline it
-- missed, so that escalation catching up after an outage moves a case one level per deadline
-- missed, exactly as if it had never stopped.
CREATE FUNCTION gc_deadline_from(p_category text, p_level text, p_start timestamptz)
RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT p_start + make_interval(hours => CASE p_level
       WHEN 'grid' THEN hours_grid WHEN 'community' THEN hours_community
       WHEN 'street' THEN hours_street ELSE hours_district END)
   FROM categories WHERE code = p_category $$;
