--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: legacy_v1; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA legacy_v1;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.audit (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    user_id bigint,
    action character varying(64) NOT NULL,
    detail text NOT NULL,
    outcome character varying(32) NOT NULL
);


--
-- Name: audit_id_seq; Type: SEQUENCE; Schema: legacy_v1; Owner: -
--

CREATE SEQUENCE legacy_v1.audit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_id_seq; Type: SEQUENCE OWNED BY; Schema: legacy_v1; Owner: -
--

ALTER SEQUENCE legacy_v1.audit_id_seq OWNED BY legacy_v1.audit.id;


--
-- Name: broadcasts; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.broadcasts (
    id bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    kind character varying(16) NOT NULL,
    ref character varying(255) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    created_by bigint,
    status character varying(16) NOT NULL,
    total integer NOT NULL,
    report text,
    finished_at timestamp with time zone,
    CONSTRAINT ck_broadcasts_kind CHECK (((kind)::text = ANY ((ARRAY['reminder'::character varying, 'news'::character varying, 'extension'::character varying])::text[]))),
    CONSTRAINT ck_broadcasts_status CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, 'running'::character varying, 'done'::character varying, 'cancelled'::character varying])::text[])))
);


--
-- Name: broadcasts_id_seq; Type: SEQUENCE; Schema: legacy_v1; Owner: -
--

CREATE SEQUENCE legacy_v1.broadcasts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: broadcasts_id_seq; Type: SEQUENCE OWNED BY; Schema: legacy_v1; Owner: -
--

ALTER SEQUENCE legacy_v1.broadcasts_id_seq OWNED BY legacy_v1.broadcasts.id;


--
-- Name: chats; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.chats (
    chat_id bigint NOT NULL,
    type character varying(16) NOT NULL,
    title text,
    username character varying(64),
    first_name text,
    timezone character varying(64),
    active boolean NOT NULL,
    inactive_reason character varying(32),
    first_seen timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    migrated_to bigint
);


--
-- Name: extensions; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.extensions (
    id bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    key_date_id character varying(64) NOT NULL,
    previous_at timestamp with time zone NOT NULL,
    new_at timestamp with time zone NOT NULL,
    new_as_written text NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    recorded_by bigint
);


--
-- Name: extensions_id_seq; Type: SEQUENCE; Schema: legacy_v1; Owner: -
--

CREATE SEQUENCE legacy_v1.extensions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: extensions_id_seq; Type: SEQUENCE OWNED BY; Schema: legacy_v1; Owner: -
--

ALTER SEQUENCE legacy_v1.extensions_id_seq OWNED BY legacy_v1.extensions.id;


--
-- Name: kv; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.kv (
    key character varying(128) NOT NULL,
    value text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: muted_key_dates; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.muted_key_dates (
    event_id character varying(64) NOT NULL,
    chat_id bigint NOT NULL,
    key_date_id character varying(64) NOT NULL,
    muted_at timestamp with time zone NOT NULL
);


--
-- Name: news; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.news (
    id bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    html text NOT NULL,
    posted_at timestamp with time zone NOT NULL,
    posted_by bigint,
    source character varying(16) NOT NULL,
    source_key character varying(128),
    CONSTRAINT ck_news_source CHECK (((source)::text = ANY ((ARRAY['config'::character varying, 'admin'::character varying])::text[])))
);


--
-- Name: news_id_seq; Type: SEQUENCE; Schema: legacy_v1; Owner: -
--

CREATE SEQUENCE legacy_v1.news_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: news_id_seq; Type: SEQUENCE OWNED BY; Schema: legacy_v1; Owner: -
--

ALTER SEQUENCE legacy_v1.news_id_seq OWNED BY legacy_v1.news.id;


--
-- Name: outbox; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.outbox (
    id bigint NOT NULL,
    broadcast_id bigint NOT NULL,
    chat_id bigint NOT NULL,
    idempotency_key character varying(255) NOT NULL,
    payload text NOT NULL,
    status character varying(16) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    claimed_at timestamp with time zone,
    message_id bigint,
    last_error text,
    created_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    CONSTRAINT ck_outbox_status CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, 'sending'::character varying, 'sent'::character varying, 'failed'::character varying, 'blocked'::character varying, 'cancelled'::character varying, 'skipped'::character varying])::text[])))
);


--
-- Name: outbox_id_seq; Type: SEQUENCE; Schema: legacy_v1; Owner: -
--

CREATE SEQUENCE legacy_v1.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: legacy_v1; Owner: -
--

ALTER SEQUENCE legacy_v1.outbox_id_seq OWNED BY legacy_v1.outbox.id;


--
-- Name: schema_version; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.schema_version (
    version integer NOT NULL,
    description text NOT NULL,
    applied_at timestamp with time zone NOT NULL
);


--
-- Name: subscriptions; Type: TABLE; Schema: legacy_v1; Owner: -
--

CREATE TABLE legacy_v1.subscriptions (
    event_id character varying(64) NOT NULL,
    chat_id bigint NOT NULL,
    subscribed_at timestamp with time zone NOT NULL,
    unsubscribed_at timestamp with time zone,
    reminders character varying(16) NOT NULL,
    active boolean NOT NULL,
    CONSTRAINT ck_subscriptions_reminders CHECK (((reminders)::text = ANY ((ARRAY['all'::character varying, 'deadlines'::character varying, 'off'::character varying])::text[])))
);


--
-- Name: audit id; Type: DEFAULT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.audit ALTER COLUMN id SET DEFAULT nextval('legacy_v1.audit_id_seq'::regclass);


--
-- Name: broadcasts id; Type: DEFAULT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.broadcasts ALTER COLUMN id SET DEFAULT nextval('legacy_v1.broadcasts_id_seq'::regclass);


--
-- Name: extensions id; Type: DEFAULT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.extensions ALTER COLUMN id SET DEFAULT nextval('legacy_v1.extensions_id_seq'::regclass);


--
-- Name: news id; Type: DEFAULT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.news ALTER COLUMN id SET DEFAULT nextval('legacy_v1.news_id_seq'::regclass);


--
-- Name: outbox id; Type: DEFAULT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.outbox ALTER COLUMN id SET DEFAULT nextval('legacy_v1.outbox_id_seq'::regclass);


--
-- Data for Name: audit; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.audit VALUES (1, '2026-02-01 12:00:00+00', 99, 'news.post', 'Room change', 'ok');


--
-- Data for Name: broadcasts; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.broadcasts VALUES (7, 'euromlsys2026', 'news', '1', '2026-02-01 12:00:00+00', 99, 'running', 2, NULL, NULL);


--
-- Data for Name: chats; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.chats VALUES (-1002000000001, 'supergroup', 'ML Sys', NULL, NULL, 'Europe/Berlin', true, NULL, '2026-02-01 12:00:00+00', '2026-02-01 12:00:00+00', NULL);
INSERT INTO legacy_v1.chats VALUES (42, 'private', NULL, 'ada', 'Ada', NULL, true, NULL, '2026-02-01 12:00:00+00', '2026-02-01 12:00:00+00', NULL);
INSERT INTO legacy_v1.chats VALUES (43, 'private', NULL, NULL, 'Bob', 'Asia/Tokyo', false, 'blocked', '2025-02-01 12:00:00+00', '2026-02-01 12:00:00+00', NULL);


--
-- Data for Name: extensions; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.extensions VALUES (1, 'euromlsys2026', 'paper', '2025-02-01 12:00:00+00', '2026-02-01 12:00:00+00', '1 Feb 2026 12:00 UTC', '2026-02-01 12:00:00+00', 99);


--
-- Data for Name: kv; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.kv VALUES ('webhook_secret', 'abc', '2026-02-01 12:00:00+00');
INSERT INTO legacy_v1.kv VALUES ('keydate:euromlsys2026:paper', '2026-02-16T11:59:00Z', '2026-02-01 12:00:00+00');


--
-- Data for Name: muted_key_dates; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.muted_key_dates VALUES ('euromlsys2026', 42, 'camera-ready', '2026-02-01 12:00:00+00');
INSERT INTO legacy_v1.muted_key_dates VALUES ('euromlsys2025', 42, 'paper', '2025-02-01 12:00:00+00');


--
-- Data for Name: news; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.news VALUES (1, 'euromlsys2026', '<b>CfP out</b>', '2026-02-01 12:00:00+00', NULL, 'config', 'cfp');
INSERT INTO legacy_v1.news VALUES (2, 'euromlsys2026', 'Room change', '2026-02-01 12:00:00+00', 99, 'admin', NULL);


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.outbox VALUES (1, 7, 42, 'news:7:42', '{"text":"hi"}', 'pending', 0, '2026-02-01 12:00:00+00', NULL, NULL, NULL, '2026-02-01 12:00:00+00', NULL);
INSERT INTO legacy_v1.outbox VALUES (2, 7, -1002000000001, 'news:7:-1002000000001', '{"text":"hi"}', 'sent', 1, '2026-02-01 12:00:00+00', '2026-02-01 12:00:00+00', 1001, NULL, '2026-02-01 12:00:00+00', '2026-02-01 12:00:00+00');


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.schema_version VALUES (1, 'chats, subscriptions, news, extensions, audit, kv, outbox', '2026-02-01 12:00:00+00');


--
-- Data for Name: subscriptions; Type: TABLE DATA; Schema: legacy_v1; Owner: -
--

INSERT INTO legacy_v1.subscriptions VALUES ('euromlsys2026', -1002000000001, '2026-02-01 12:00:00+00', NULL, 'deadlines', true);
INSERT INTO legacy_v1.subscriptions VALUES ('euromlsys2026', 42, '2026-02-01 12:00:00+00', NULL, 'all', true);
INSERT INTO legacy_v1.subscriptions VALUES ('euromlsys2025', 42, '2025-02-01 12:00:00+00', NULL, 'off', true);
INSERT INTO legacy_v1.subscriptions VALUES ('euromlsys2026', 43, '2025-02-01 12:00:00+00', '2026-02-01 12:00:00+00', 'all', false);


--
-- Name: audit_id_seq; Type: SEQUENCE SET; Schema: legacy_v1; Owner: -
--

SELECT pg_catalog.setval('legacy_v1.audit_id_seq', 1, true);


--
-- Name: broadcasts_id_seq; Type: SEQUENCE SET; Schema: legacy_v1; Owner: -
--

SELECT pg_catalog.setval('legacy_v1.broadcasts_id_seq', 1, false);


--
-- Name: extensions_id_seq; Type: SEQUENCE SET; Schema: legacy_v1; Owner: -
--

SELECT pg_catalog.setval('legacy_v1.extensions_id_seq', 1, true);


--
-- Name: news_id_seq; Type: SEQUENCE SET; Schema: legacy_v1; Owner: -
--

SELECT pg_catalog.setval('legacy_v1.news_id_seq', 2, true);


--
-- Name: outbox_id_seq; Type: SEQUENCE SET; Schema: legacy_v1; Owner: -
--

SELECT pg_catalog.setval('legacy_v1.outbox_id_seq', 2, true);


--
-- Name: audit pk_audit; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.audit
    ADD CONSTRAINT pk_audit PRIMARY KEY (id);


--
-- Name: broadcasts pk_broadcasts; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.broadcasts
    ADD CONSTRAINT pk_broadcasts PRIMARY KEY (id);


--
-- Name: chats pk_chats; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.chats
    ADD CONSTRAINT pk_chats PRIMARY KEY (chat_id);


--
-- Name: extensions pk_extensions; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.extensions
    ADD CONSTRAINT pk_extensions PRIMARY KEY (id);


--
-- Name: kv pk_kv; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.kv
    ADD CONSTRAINT pk_kv PRIMARY KEY (key);


--
-- Name: muted_key_dates pk_muted_key_dates; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.muted_key_dates
    ADD CONSTRAINT pk_muted_key_dates PRIMARY KEY (event_id, chat_id, key_date_id);


--
-- Name: news pk_news; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.news
    ADD CONSTRAINT pk_news PRIMARY KEY (id);


--
-- Name: outbox pk_outbox; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.outbox
    ADD CONSTRAINT pk_outbox PRIMARY KEY (id);


--
-- Name: schema_version pk_schema_version; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.schema_version
    ADD CONSTRAINT pk_schema_version PRIMARY KEY (version);


--
-- Name: subscriptions pk_subscriptions; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.subscriptions
    ADD CONSTRAINT pk_subscriptions PRIMARY KEY (event_id, chat_id);


--
-- Name: broadcasts uq_broadcasts_event_id_kind_ref; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.broadcasts
    ADD CONSTRAINT uq_broadcasts_event_id_kind_ref UNIQUE (event_id, kind, ref);


--
-- Name: news uq_news_event_id_source_key; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.news
    ADD CONSTRAINT uq_news_event_id_source_key UNIQUE (event_id, source_key);


--
-- Name: outbox uq_outbox_idempotency_key; Type: CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.outbox
    ADD CONSTRAINT uq_outbox_idempotency_key UNIQUE (idempotency_key);


--
-- Name: ix_audit_at; Type: INDEX; Schema: legacy_v1; Owner: -
--

CREATE INDEX ix_audit_at ON legacy_v1.audit USING btree (at);


--
-- Name: ix_extensions_event_id_key_date_id; Type: INDEX; Schema: legacy_v1; Owner: -
--

CREATE INDEX ix_extensions_event_id_key_date_id ON legacy_v1.extensions USING btree (event_id, key_date_id);


--
-- Name: ix_news_event_id_posted_at; Type: INDEX; Schema: legacy_v1; Owner: -
--

CREATE INDEX ix_news_event_id_posted_at ON legacy_v1.news USING btree (event_id, posted_at);


--
-- Name: ix_outbox_status_next_attempt_at; Type: INDEX; Schema: legacy_v1; Owner: -
--

CREATE INDEX ix_outbox_status_next_attempt_at ON legacy_v1.outbox USING btree (status, next_attempt_at);


--
-- Name: muted_key_dates fk_muted_key_dates_chat_id_chats; Type: FK CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.muted_key_dates
    ADD CONSTRAINT fk_muted_key_dates_chat_id_chats FOREIGN KEY (chat_id) REFERENCES legacy_v1.chats(chat_id);


--
-- Name: outbox fk_outbox_broadcast_id_broadcasts; Type: FK CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.outbox
    ADD CONSTRAINT fk_outbox_broadcast_id_broadcasts FOREIGN KEY (broadcast_id) REFERENCES legacy_v1.broadcasts(id);


--
-- Name: subscriptions fk_subscriptions_chat_id_chats; Type: FK CONSTRAINT; Schema: legacy_v1; Owner: -
--

ALTER TABLE ONLY legacy_v1.subscriptions
    ADD CONSTRAINT fk_subscriptions_chat_id_chats FOREIGN KEY (chat_id) REFERENCES legacy_v1.chats(chat_id);


--
-- PostgreSQL database dump complete
--


