-- The corrections of a case's category (events 'recategorized', note "old -> new"), found by
-- case: under which category each event of a case happened is the old category of the first
-- correction after it, else the case's own (gc_event_category_before, functions/events.sql). Nearly
-- no case is ever corrected, so the index is tiny and a look-up finds nothing at once.
CREATE INDEX case_events_recategorized ON case_events (case_id, seq) WHERE kind = 'recategorized';
