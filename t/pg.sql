-- t/pg.sql: what the database of the PostgreSQL pass holds besides the
-- tests' own schemas (t/run-pg loads it once, into database oms).
--
-- Each test takes a schema of its own, named from this sequence
-- (t/helper.bash): a schema costs a few milliseconds where a database
-- costs thirty and seven megabytes.
CREATE SEQUENCE public.oms_test_schema;

-- The SQLite functions the tests' own SQL uses, for the sqlite3
-- stand-in of t/helper.bash.  They live in a schema of their own, on
-- the search path of the stand-in only: a program under test that used
-- one of them by mistake must fail on PostgreSQL, not pass because the
-- tests brought the function along.  Only what the tests call is here,
-- and only as far as they call it.
CREATE SCHEMA sqlite_compat;
SET search_path = sqlite_compat;

-- A JSON path as SQLite writes it ('$', '$.a.b', '$.a[0]', '$."a b"',
-- or for ->> a bare key) as the text array PostgreSQL's #> takes.
CREATE FUNCTION json_path(p text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT CASE WHEN left(p, 1) <> '$' THEN ARRAY[p] ELSE
		(SELECT coalesce(array_agg(coalesce(m[1], m[2], m[3])
			ORDER BY n), '{}')
		FROM regexp_matches(substr(p, 2),
			'\.(?:"([^"]*)"|([^.\[]+))|\[([0-9]+)\]', 'g')
			WITH ORDINALITY AS r(m, n)) END
$$;

-- SQLite's json_extract gives a string without its quotes, true and
-- false as 1 and 0, JSON null as NULL, and an object or array as its
-- JSON text; the json type keeps that text as it was stored.
CREATE FUNCTION json_extract(doc text, path text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT CASE json_typeof(v)
		WHEN 'string' THEN v #>> '{}'
		WHEN 'boolean' THEN CASE WHEN v::text = 'true' THEN '1'
			ELSE '0' END
		WHEN 'null' THEN NULL
		ELSE v::text END
	FROM (SELECT doc::json #> json_path(path) AS v) AS s
$$;

CREATE FUNCTION json_extract(doc json, path text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT sqlite_compat.json_extract(doc::text, path)
$$;

CREATE FUNCTION json_extract(doc jsonb, path text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT sqlite_compat.json_extract(doc::text, path)
$$;

-- json_array_length(doc, path): the length of the array at path, 0 for
-- anything else there, NULL for nothing there.
CREATE FUNCTION json_array_length(doc text, path text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT CASE WHEN v IS NULL THEN NULL
		WHEN json_typeof(v) = 'array' THEN pg_catalog.json_array_length(v)
		ELSE 0 END
	FROM (SELECT doc::json #> json_path(path) AS v) AS s
$$;

-- x ->> '$.a' is json_extract(x, '$.a') in SQLite; PostgreSQL has ->>
-- for json and jsonb only, not for text, so this one takes text.
CREATE OPERATOR ->> (LEFTARG = text, RIGHTARG = text,
	FUNCTION = json_extract);

-- group_concat(x [, sep]): NULLs skipped, ',' by default.
CREATE FUNCTION group_concat_step(acc text, v anyelement, sep text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN v IS NULL THEN acc
		WHEN acc IS NULL THEN v::text
		ELSE acc || coalesce(sep, '') || v::text END
$$;

CREATE FUNCTION group_concat_step(acc text, v anyelement)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT sqlite_compat.group_concat_step(acc, v, ',')
$$;

CREATE AGGREGATE group_concat(anyelement, text) (
	SFUNC = group_concat_step, STYPE = text);
CREATE AGGREGATE group_concat(anyelement) (
	SFUNC = group_concat_step, STYPE = text);

CREATE FUNCTION ifnull(a anycompatible, b anycompatible)
RETURNS anycompatible LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(a, b)
$$;

-- printf(format, args...) for what the tests format: %d, %s, %f with
-- a width, a zero flag and a precision, and %%.  The arguments share a
-- type, as a variadic array must.
CREATE FUNCTION printf(fmt text, VARIADIC args anyarray) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	out text := '';
	i int := 1;
	n int := 1;
	m text[];
	spec text;
	v text;
BEGIN
	WHILE i <= length(fmt) LOOP
		IF substr(fmt, i, 1) <> '%' THEN
			out := out || substr(fmt, i, 1);
			i := i + 1;
			CONTINUE;
		END IF;
		m := regexp_match(substr(fmt, i),
			'^%(0?)([0-9]*)(?:\.([0-9]+))?([dsf%])');
		IF m IS NULL THEN
			RAISE EXCEPTION 'printf: cannot read %', substr(fmt, i);
		END IF;
		spec := m[4];
		i := i + length((regexp_match(substr(fmt, i),
			'^%0?[0-9]*(?:\.[0-9]+)?[dsf%]'))[1]);
		IF spec = '%' THEN
			out := out || '%';
			CONTINUE;
		END IF;
		v := args[n]::text;
		n := n + 1;
		IF spec = 'd' THEN
			v := trunc(v::numeric)::text;
		ELSIF spec = 'f' THEN
			v := round(v::numeric, coalesce(m[3], '6')::int)::text;
		END IF;
		IF m[2] <> '' AND length(v) < m[2]::int THEN
			IF m[1] = '0' AND spec <> 's' THEN
				v := CASE WHEN left(v, 1) = '-'
					THEN '-' || lpad(substr(v, 2),
						m[2]::int - 1, '0')
					ELSE lpad(v, m[2]::int, '0') END;
			ELSE
				v := lpad(v, m[2]::int, ' ');
			END IF;
		END IF;
		out := out || coalesce(v, '');
	END LOOP;
	RETURN out;
END
$$;

-- sum() and total() over a comparison, SQLite's way of counting rows
-- that match: a comparison there is the integer 1 or 0.
CREATE FUNCTION bool_sum_step(acc bigint, v boolean) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN v IS NULL THEN acc
		ELSE coalesce(acc, 0) + v::int END
$$;

CREATE AGGREGATE sum(boolean) (SFUNC = bool_sum_step, STYPE = bigint);

-- The rows of query q as sqlite3 prints them by default: the columns
-- joined by sep, NULL as nothing, a number or text as it is, and true
-- and false as 1 and 0, since SQLite has no boolean (psql would print
-- t and f).  The stand-in sends every query that returns rows through
-- this.
CREATE FUNCTION rows(q text, sep text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	line text;
BEGIN
	FOR r IN EXECUTE q LOOP
		SELECT string_agg(CASE json_typeof(value)
			WHEN 'null' THEN ''
			WHEN 'boolean' THEN CASE WHEN value::text = 'true'
				THEN '1' ELSE '0' END
			WHEN 'string' THEN value #>> '{}'
			ELSE value::text END, sep ORDER BY n)
		INTO line
		FROM json_each(row_to_json(r)) WITH ORDINALITY AS c(k, value, n);
		RETURN NEXT coalesce(line, '');
	END LOOP;
END
$$;

-- x GLOB 'pattern', which the stand-in writes glob('pattern', x): *, ?
-- and [...] (with ^ to negate, as SQLite has it), case sensitive.
CREATE FUNCTION glob(pattern text, x text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT x ~ ('^' || replace(replace(regexp_replace(pattern,
		'([.+(){}|$\\])', '\\\1', 'g'), '*', '.*'), '?', '.') || '$')
$$;

-- json_set and json_remove as SQLite has them for one path, keeping the
-- JSON text as it was around what changes (the order of the keys, no
-- spaces), as the tests compare it whole.  doc with the value at path p
-- made v, or taken out when remove.
CREATE FUNCTION json_edit(doc json, p text[], v json, remove boolean)
RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	body text;
	found boolean;
BEGIN
	IF cardinality(p) = 0 THEN
		RETURN v;
	ELSIF json_typeof(doc) = 'object' THEN
		SELECT string_agg(to_json(key)::text || ':' ||
			CASE WHEN key = p[1]
			THEN sqlite_compat.json_edit(value, p[2:], v, remove)::text
			ELSE value::text END, ',' ORDER BY n)
			FILTER (WHERE NOT (remove AND key = p[1]
			AND cardinality(p) = 1)),
			coalesce(bool_or(key = p[1]), false)
		INTO body, found
		FROM json_each(doc) WITH ORDINALITY AS e(key, value, n);
		IF NOT found AND NOT remove AND cardinality(p) = 1 THEN
			body := coalesce(body || ',', '') ||
				to_json(p[1])::text || ':' || v::text;
		END IF;
		RETURN ('{' || coalesce(body, '') || '}')::json;
	ELSIF json_typeof(doc) = 'array' AND p[1] ~ '^[0-9]+$' THEN
		SELECT string_agg(CASE WHEN n - 1 = p[1]::int
			THEN sqlite_compat.json_edit(value, p[2:], v, remove)::text
			ELSE value::text END, ',' ORDER BY n)
			FILTER (WHERE NOT (remove AND n - 1 = p[1]::int
			AND cardinality(p) = 1))
		INTO body
		FROM json_array_elements(doc) WITH ORDINALITY AS e(value, n);
		RETURN ('[' || coalesce(body, '') || ']')::json;
	END IF;
	RETURN doc;
END
$$;

CREATE FUNCTION json_remove(doc text, path text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT sqlite_compat.json_edit(doc::json,
		sqlite_compat.json_path(path), NULL, true)::text
$$;

-- The value is SQL's: text becomes a JSON string, a number a number.
CREATE FUNCTION json_set(doc text, path text, v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT sqlite_compat.json_edit(doc::json,
		sqlite_compat.json_path(path), to_json(v), false)::text
$$;

CREATE FUNCTION json_set(doc text, path text, v numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT sqlite_compat.json_edit(doc::json,
		sqlite_compat.json_path(path), to_json(v), false)::text
$$;
