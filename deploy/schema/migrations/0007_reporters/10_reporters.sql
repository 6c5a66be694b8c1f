-- Reports in a person's name (发现上报): a submission may name the person who found the problem,
-- and the rules table says who may be named, like every other people's command. The person is
-- recorded on the case's submitted event (case_events.person_code), which the assessment view
-- counts.
ALTER TABLE command_rules DROP CONSTRAINT command_rules_command_check;
ALTER TABLE command_rules ADD CONSTRAINT command_rules_command_check
    CHECK (command IN ('report', 'verify', 'reopen', 'resolve_on_spot', 'request_escalation',
                       'set_category', 'meeting_outcome', 'decide_extension'));
-- everyone on the case's area path reports: a grid worker in the grid, community staff in
-- the community, the leaders of the grid and above it
INSERT INTO command_rules (command, role, place) VALUES
    ('report', 'grid_worker', 'case_path'),
    ('report', 'volunteer', 'case_path'),
    ('report', 'community_staff', 'case_path'),
    ('report', 'leader', 'case_path'),
    ('report', 'meeting_office', 'case_path');
