-- What a submission asked for, kept with its idempotency key: the SHA-256 of the SubmitCase as
-- intake decoded it, every field but the key itself (common/gc_case.c, request_digest). A later
-- submission with the same key and another digest is a different request reusing the key, and
-- intake refuses it (IDEMPOTENCY_CONFLICT) instead of answering with the first case. Compared
-- where the key is looked up: intake's one-at-a-time look-up (gc_case.c) and gc_submit_cases
-- (functions/intake.sql). Cases stored before the column existed have NULL: any request with
-- their key is taken as the same one, as it was then. 32 bytes a case.
ALTER TABLE cases ADD COLUMN request_digest bytea;
