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
-- Name: legacy_v0; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA legacy_v0;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: schema_version; Type: TABLE; Schema: legacy_v0; Owner: -
--

CREATE TABLE legacy_v0.schema_version (
    version integer NOT NULL,
    description text NOT NULL,
    applied_at timestamp with time zone NOT NULL
);


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: legacy_v0; Owner: -
--



--
-- Name: schema_version pk_schema_version; Type: CONSTRAINT; Schema: legacy_v0; Owner: -
--

ALTER TABLE ONLY legacy_v0.schema_version
    ADD CONSTRAINT pk_schema_version PRIMARY KEY (version);


--
-- PostgreSQL database dump complete
--


