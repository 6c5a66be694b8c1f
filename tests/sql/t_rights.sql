-- gc_command_permitted(p_case_ref, p_command, p_person, p_application): the rules table and the
-- application's scope. NULL when permitted (and the transaction's next events are marked as the
-- person's), else the refusal naming the rule. Places are relative to the case's area and level.
-- gc_report_permitted(p_area, p_level, p_person, p_application): the same rules' 'report' rows,
-- for a submission naming the person who found the problem.
BEGIN;
SELECT plan(26);

INSERT INTO areas (code, parent_code, level, name) VALUES
    ('4101', NULL, 'district', 'district'), ('410101', '4101', 'street', 'street A'),
    ('410102', '4101', 'street', 'street B'),
    ('41010101', '410101', 'community', 'community'),
    ('4101010101', '41010101', 'grid', 'grid A'), ('4101010102', '41010101', 'grid', 'grid B');
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
VALUES ('rt_road', 'road', 24, 48, 72, 120);
INSERT INTO people (code, area_code, role, name, retired_at) VALUES
    ('GA-W', '4101010101', 'grid_worker', 'w', NULL), ('GB-W', '4101010102', 'grid_worker', 'w', NULL),
    ('GA-L', '4101010101', 'leader', 'l', NULL), ('C-L', '41010101', 'leader', 'l', NULL),
    ('C-S', '41010101', 'community_staff', 's', NULL), ('SA-M', '410101', 'meeting_office', 'm', NULL),
    ('SB-M', '410102', 'meeting_office', 'm', NULL), ('D-L', '4101', 'leader', 'l', NULL),
    ('GA-OLD', '4101010101', 'grid_worker', 'w', now());
INSERT INTO socket_clients (name, public_key, sockets, may_send, areas) VALUES
    ('rt-hotline', repeat('h', 40), '{intake}', '{submissions}', NULL),
    ('rt-street-b', repeat('b', 40), '{intake}', '{commands}', '{410102}'),
    ('rt-street-a', repeat('a', 40), '{intake}', '{commands}', '{410101}');
INSERT INTO cases (idempotency_key, category, area_code, level, status, description, source,
                   created_at, updated_at)
VALUES ('rt-grid', 'rt_road', '4101010101', 'grid', 'resolved', 'at the grid', 'resident', now(), now()),
       ('rt-community', 'rt_road', '4101010101', 'community', 'triage', 'up', 'resident', now(), now());
CREATE TEMP TABLE ref AS
SELECT (SELECT ref FROM cases WHERE idempotency_key = 'rt-grid') AS grid_case,
       (SELECT ref FROM cases WHERE idempotency_key = 'rt-community') AS community_case;

SELECT is(gc_command_permitted((SELECT grid_case FROM ref), 'verify', 'GA-W', NULL), NULL,
          'verify: the case''s grid worker');
SELECT is(current_setting('gridcase.person', true), 'GA-W', 'and the events that follow are marked as theirs');
SELECT matches(gc_command_permitted((SELECT grid_case FROM ref), 'verify', 'GB-W', NULL),
               'GB-W is grid_worker of 4101010102.*rule "verify: grid_worker of the case''s area; leader of the case''s area or above"',
               'verify: another grid''s worker is refused, naming the rule');
SELECT is(gc_command_permitted((SELECT grid_case FROM ref), 'verify', 'D-L', NULL), NULL,
          'verify: the district''s leader is above every grid');
SELECT is(gc_command_permitted((SELECT grid_case FROM ref), 'resolve_on_spot', 'GA-L', NULL), NULL,
          'spot: the grid''s leader at the grid');
SELECT matches(gc_command_permitted((SELECT grid_case FROM ref), 'resolve_on_spot', 'C-L', NULL),
               'the case at the grid', 'spot: not the community''s leader while the case is at the grid');
SELECT is(gc_command_permitted((SELECT community_case FROM ref), 'resolve_on_spot', 'C-L', NULL), NULL,
          'spot: the community''s leader once it is at the community');
SELECT matches(gc_command_permitted((SELECT community_case FROM ref), 'resolve_on_spot', 'GA-L', NULL),
               'rule "resolve_on_spot', 'spot: the grid''s leader no longer, the case is above');
SELECT is(gc_command_permitted((SELECT community_case FROM ref), 'meeting_outcome', 'SA-M', NULL), NULL,
          'meeting: the case''s street''s office');
SELECT matches(gc_command_permitted((SELECT community_case FROM ref), 'meeting_outcome', 'SB-M', NULL),
               'rule "meeting_outcome', 'meeting: not another street''s office');
SELECT is(gc_command_permitted((SELECT grid_case FROM ref), 'verify', 'GA-OLD', NULL), 'GA-OLD is retired',
          'a retired person is refused');
SELECT is(gc_command_permitted((SELECT grid_case FROM ref), 'verify', '', NULL), NULL,
          'a plain socket''s unnamed command is taken as before');
SELECT matches(gc_command_permitted((SELECT grid_case FROM ref), 'verify', '', 'rt-street-a'),
               'names the person acting', 'an application''s command names the person');
SELECT is(gc_command_permitted((SELECT grid_case FROM ref), 'verify', 'GA-W', 'rt-hotline'),
          'application rt-hotline may not send people''s commands', 'a submissions-only application');
SELECT matches(gc_command_permitted((SELECT grid_case FROM ref), 'verify', 'GA-W', 'rt-street-b'),
               'rt-street-b does not speak for area 4101010101', 'an application of another street');
SELECT is(gc_command_permitted('GC-NONE', 'verify', 'GA-W', NULL), NULL,
          'an unknown case is left to the caller (UNKNOWN_CASE)');


-- every role reports on the case's area path, and nowhere else
SELECT is(gc_report_permitted('4101010101', 'grid', p, NULL), NULL, 'report: ' || p || ' in grid A')
FROM unnest(ARRAY['GA-W', 'GA-L', 'C-S', 'SA-M', 'D-L']) AS p;
SELECT is(current_setting('gridcase.person', true), 'D-L', 'and the submitted event is marked as theirs');
SELECT matches(gc_report_permitted('4101010101', 'grid', 'GB-W', NULL),
               'GB-W is grid_worker of 4101010102.*rule "report: ',
               'report: another grid''s worker is refused, naming the rule');
SELECT matches(gc_report_permitted('4101010101', 'grid', 'SB-M', NULL), 'rule "report: ',
               'report: another street''s office is refused');
SELECT is(gc_report_permitted('4101010101', 'grid', '', 'rt-hotline'), NULL,
          'report: an application''s submission need not name anyone');
SELECT is(gc_report_permitted('4101010101', 'grid', 'GA-W', 'rt-street-a'),
          'application rt-street-a may not send submissions', 'report: a commands-only application');

SELECT * FROM finish();
ROLLBACK;
