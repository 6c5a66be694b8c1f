-- People and their rights: the district's staff in the reference data, the one table of who may
-- send which of a person's commands on which case, what each client application may send and
-- for which areas, and who acted in the case timeline.

-- Each area's people: its leader and its staff (grid workers, community staff, volunteer grid
-- members 群众网格员, the street's joint-meeting office). The code is stable: the timeline and
-- the assessment views name people by it, so a person who leaves is retired (retired_at), never
-- deleted. The phone is personal data: no daemon reads it, it is never on a stream or in a log
-- (the leader's public sign-board contact stays in areas.leader_phone).
CREATE TABLE people (
    code       text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    area_code  text NOT NULL REFERENCES areas (code),
    role       text NOT NULL CHECK (role IN ('leader', 'grid_worker', 'community_staff',
                                             'volunteer', 'meeting_office')),
    name       text NOT NULL,
    phone      text NOT NULL DEFAULT '',
    retired_at timestamptz
);
CREATE INDEX people_area ON people (area_code);

-- THE RULES: who may send which person's command. A command is permitted when one row names
-- the command and the person's role, and the person's area stands where the row's place says,
-- relative to the case (its area A, the grid or the street holding it, and its current level):
--   case_area   the person's area is A itself (the case's grid)
--   case_path   A or an area above it
--   above_case  an area strictly above A
--   case_level  the area on A's path at the case's current level
--   case_street the street on A's path
-- gc_command_permitted (functions/rights.sql) reads it; README.md shows it to operators. A
-- district changes who may do what by changing rows, not code.
CREATE TABLE command_rules (
    command text NOT NULL CHECK (command IN ('verify', 'reopen', 'resolve_on_spot',
                                             'request_escalation', 'set_category',
                                             'meeting_outcome', 'decide_extension')),
    role    text NOT NULL CHECK (role IN ('leader', 'grid_worker', 'community_staff',
                                          'volunteer', 'meeting_office')),
    place   text NOT NULL CHECK (place IN ('case_area', 'case_path', 'above_case', 'case_level',
                                           'case_street')),
    PRIMARY KEY (command, role, place)
);
INSERT INTO command_rules (command, role, place) VALUES
    ('verify', 'grid_worker', 'case_area'),
    ('verify', 'leader', 'case_path'),
    ('reopen', 'grid_worker', 'case_area'),
    ('reopen', 'leader', 'case_path'),
    -- leaders settle cases at their own level only (the figures count them per level)
    ('resolve_on_spot', 'leader', 'case_level'),
    ('resolve_on_spot', 'grid_worker', 'case_level'),
    ('resolve_on_spot', 'community_staff', 'case_level'),
    ('request_escalation', 'grid_worker', 'case_path'),
    ('request_escalation', 'community_staff', 'case_path'),
    ('request_escalation', 'leader', 'case_path'),
    ('set_category', 'meeting_office', 'case_street'),
    ('set_category', 'leader', 'case_street'),
    ('meeting_outcome', 'meeting_office', 'case_street'),
    ('decide_extension', 'leader', 'case_level');

-- What each client application may send on the intake socket (submissions, people's commands,
-- diary entries) and for which areas (NULL: the whole district). Applied to CurveZMQ clients,
-- whose key names them; a hotline bridge registered for submissions cannot verify, a
-- community's terminal registered for its community cannot act in another street.
ALTER TABLE socket_clients
    ADD COLUMN may_send text[] NOT NULL DEFAULT ARRAY['submissions', 'commands', 'diary']
        CHECK (may_send <@ ARRAY['submissions', 'commands', 'diary']),
    ADD COLUMN areas text[];

-- Who acted: the person (people.code) and the application (socket_clients.name) of an event a
-- person's command made; NULL for the daemons' events and for commands without a person.
ALTER TABLE case_events ADD COLUMN person_code text, ADD COLUMN application text;

GRANT SELECT (code, area_code, role, name, retired_at) ON people TO gridcase_intake;
GRANT SELECT ON command_rules TO gridcase_intake;
-- the assessment view's look-up of a person's events (functions/people.sql)
CREATE INDEX case_events_person ON case_events (person_code) WHERE person_code IS NOT NULL;
