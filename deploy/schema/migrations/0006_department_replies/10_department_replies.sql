-- What a department's action or inspection report did, under the request_id its client chose:
-- a request sent again with the same request_id (its reply lost on a bad link, or routing
-- restarted before answering) is answered with the stored outcome instead of being applied a
-- second time (services/routing/dept_actions.c). Stored in the request's own transaction, so a
-- row exists exactly when the request took effect; refusals change nothing and are not kept.
-- what: the action's kind (1..5) or 0 for an inspection report; case_ref: the case acted on, or
-- the new case. Kept a day (routing removes older rows as it goes): about 100 bytes a request.
CREATE TABLE department_replies (
    department text NOT NULL,
    request_id text NOT NULL,
    what integer NOT NULL,
    case_ref text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (department, request_id)
);
CREATE INDEX department_replies_stored_at ON department_replies (stored_at);
GRANT SELECT, INSERT, DELETE ON department_replies TO gridcase_routing;
