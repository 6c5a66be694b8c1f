-- Under which category each event happened. A case's category may be corrected in the triage
-- queue (set-category), and the figures per category count a case under its corrected
-- category: gc-stats moves what it had counted under the old one when it folds the correction.
-- For that, and so that a fold from scratch gives the same figures as the live one, the log
-- must say under which category it counted each event, whenever it read it. NULL: the case's
-- current category (nearly every event: a case's category rarely changes); when it changes,
-- the events before get the category they happened under, in the same transaction
-- (gc_case_set_category, common/gc_case.c), and gc_event_rows reads them so.
ALTER TABLE case_events ADD COLUMN category text;

-- cases corrected before: each earlier event gets the old category of the next correction
UPDATE case_events e
SET category = (SELECT split_part(r.note, ' -> ', 1) FROM case_events r
                WHERE r.case_id = e.case_id AND r.kind = 'recategorized' AND r.seq > e.seq
                ORDER BY r.seq LIMIT 1)
WHERE e.case_id IN (SELECT r.case_id FROM case_events r WHERE r.kind = 'recategorized')
  AND EXISTS (SELECT 1 FROM case_events r
              WHERE r.case_id = e.case_id AND r.kind = 'recategorized' AND r.seq > e.seq);

GRANT UPDATE (category) ON case_events TO gridcase_intake;
