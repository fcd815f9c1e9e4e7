/** Any 64-bit constant that no other part of the product uses as an advisory lock key. */
export const APPEND_LOCK_KEY = 4_613_452_117_301;

/**
 * `kedja_append`: a whole `appendMany` of new events in one statement, so one round trip. It
 * handles the common case only (no event stored already, every expected version met, every
 * identifier free or already this stream's) and raises otherwise, rolling everything back:
 * SQLSTATE KJ001 for a version mismatch, KJ002 for an identifier held elsewhere, and the unique
 * violation of `events_source_event_id` for a duplicate. The caller then runs the checking
 * transaction, which decides the outcome (a retried batch is a duplicate even at a stale
 * version, for example), so the rules live in one place.
 *
 * Gap safety is the same argument as for the checking transaction: the advisory lock is the
 * function's first statement, and in READ COMMITTED each later statement of a VOLATILE PL/pgSQL
 * function takes a fresh snapshot, so the head is read after the lock is held and sees
 * the previous holder's commit (which became visible before its locks were released). Called
 * alone in autocommit, the statement's transaction commits, then releases the lock, so positions
 * become visible in order. Under REPEATABLE READ the snapshot would predate the lock, hence the
 * check.
 *
 * Plans: PL/pgSQL plans each statement once per connection and keeps the plan. A plan made
 * while `events` is empty (a new database, or after a TRUNCATE) reads the head and the stream
 * versions with a sequential scan, and kept, that scan reads the whole table on every later
 * append until something invalidates the plan (measured: 3 ms per append at 15,000 events, most
 * of the function's time). `enable_seqscan = off`, set for the function's duration only, and
 * the head and versions written as `ORDER BY ... DESC LIMIT 1` make every plan the backward index
 * probe, whatever the table held when it was made. (With `max()` and seqscan off, an empty
 * table's plan is a full index scan instead.) Statements that read the array arguments would
 * otherwise be planned afresh on every call (PostgreSQL keeps choosing a custom plan, as a
 * literal array looks cheaper than an unknown one), which cost about a third of a single-event
 * append; `force_generic_plan` plans them once, and with sequential scans off the generic plans
 * are index probes too.
 *
 * Arguments: arrays with one entry per append (`streams`, `expected` with -1 for any and 0 for
 * no-stream, `counts`), one entry per event (`append`, the 1-based append it belongs to, then
 * its columns; the events of each append together and in order), and one per identity claim
 * (`claim_append`, `claim_kinds`, `claim_values`). The per-event arrays arrive in the binary
 * array format (see postgres-binary-array.ts), so the server neither parses JSON nor unescapes
 * an array literal, and data and metadata are stored byte for byte as the store serialised them.
 * Returns the head before the append followed by each append's stream version before it.
 */
export const CREATE_APPEND_FUNCTION = `
CREATE OR REPLACE FUNCTION kedja_append(
  p_now text, p_streams text[], p_expected int[], p_counts int[],
  p_append int[], p_event_ids text[], p_sources text[], p_types text[], p_event_times text[],
  p_recorded_times text[], p_data text[], p_metadata text[],
  p_claim_append int[], p_claim_kinds text[], p_claim_values text[]) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
  v_head bigint;
  v_names text[];
  v_current bigint[];
  v_base bigint[] := '{}';
  -- Per append, what to add to an event's 1-based place in the whole call to get its version.
  v_shift bigint[] := '{}';
  v_before int := 0;
  v_at int;
BEGIN
  PERFORM pg_advisory_xact_lock(${APPEND_LOCK_KEY});
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'kedja_append needs READ COMMITTED';
  END IF;
  SELECT coalesce((SELECT e.position FROM events e ORDER BY e.position DESC LIMIT 1), 0),
         array_agg(d.s),
         array_agg(coalesce((SELECT e.stream_version FROM events e WHERE e.stream_id = d.s ORDER BY e.stream_version DESC LIMIT 1), 0))
    INTO v_head, v_names, v_current
    FROM (SELECT DISTINCT unnest(p_streams) AS s) d;
  FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
    v_at := array_position(v_names, p_streams[i]);
    IF p_counts[i] > 0 AND p_expected[i] >= 0 AND p_expected[i] <> v_current[v_at] THEN
      RAISE EXCEPTION 'expected version not met' USING ERRCODE = 'KJ001';
    END IF;
    v_base[i] := v_current[v_at];
    v_shift[i] := v_current[v_at] - v_before;
    v_before := v_before + p_counts[i];
    v_current[v_at] := v_current[v_at] + p_counts[i];
  END LOOP;
  IF coalesce(array_length(p_append, 1), 0) <> v_before THEN
    RAISE EXCEPTION 'kedja_append: event arrays do not match the counts';
  END IF;
  IF coalesce(array_length(p_claim_kinds, 1), 0) > 0 THEN
    IF EXISTS (SELECT 1 FROM unnest(p_claim_append, p_claim_kinds, p_claim_values) AS c(a, kind, value)
               JOIN identities i ON i.kind = c.kind AND i.value = c.value
               WHERE i.stream_id <> p_streams[c.a])
       OR EXISTS (SELECT 1 FROM unnest(p_claim_append, p_claim_kinds, p_claim_values) AS c(a, kind, value)
                  GROUP BY c.kind, c.value HAVING count(DISTINCT p_streams[c.a]) > 1) THEN
      RAISE EXCEPTION 'identifier claimed by another stream' USING ERRCODE = 'KJ002';
    END IF;
    INSERT INTO identities (kind, value, stream_id, claimed_time)
      SELECT c.kind, c.value, p_streams[c.a], p_now FROM unnest(p_claim_append, p_claim_kinds, p_claim_values) AS c(a, kind, value)
      ON CONFLICT (kind, value) DO NOTHING;
  END IF;
  INSERT INTO events (position, stream_id, stream_version, event_id, source, type, event_time,
                      recorded_time, received_time, data, metadata, content_hash)
    SELECT v_head + u.n, p_streams[u.a], v_shift[u.a] + u.n, u.i, u.s, u.t, u.e, u.r, p_now, u.d, u.m, ''
    FROM unnest(p_append, p_event_ids, p_sources, p_types, p_event_times, p_recorded_times, p_data, p_metadata)
         WITH ORDINALITY AS u(a, i, s, t, e, r, d, m, n);
  RETURN v_head || v_base;
END
$fn$`;

/** The signature migration step 4 replaced (events as one JSON text). */
export const DROP_JSON_APPEND_FUNCTION = 'DROP FUNCTION IF EXISTS kedja_append(text, text[], int[], int[], text, int[], text[], text[])';
