PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	description TEXT NOT NULL, 
	applied_at DATETIME NOT NULL, 
	CONSTRAINT pk_schema_version PRIMARY KEY (version)
);
INSERT INTO schema_version VALUES(1,'chats, subscriptions, news, extensions, audit, kv, outbox','2026-02-01 12:00:00.000000');
INSERT INTO schema_version VALUES(2,'chats.language_code; outbox (broadcast_id, status) index','2026-02-01 12:00:00.000000');
INSERT INTO schema_version VALUES(3,'series: subscriptions by series, editions, chats.default_series','2026-02-01 12:00:00.000000');
INSERT INTO schema_version VALUES(4,'broadcast payload stored once (broadcast_parts, outbox.part); outbox due index; paid','2026-02-01 12:00:00.000000');
CREATE TABLE chats (
	chat_id BIGINT NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	title TEXT, 
	username VARCHAR(64), 
	first_name TEXT, 
	timezone VARCHAR(64), 
	active BOOLEAN NOT NULL, 
	inactive_reason VARCHAR(32), 
	first_seen DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	migrated_to BIGINT, language_code VARCHAR(16), default_series VARCHAR(64), 
	CONSTRAINT pk_chats PRIMARY KEY (chat_id)
);
INSERT INTO chats VALUES(-1002000000001,'supergroup','ML Sys',NULL,NULL,'Europe/Berlin',1,NULL,'2026-02-01 12:00:00.000000','2026-02-01 12:00:00.000000',NULL,NULL,NULL);
INSERT INTO chats VALUES(42,'private',NULL,'ada','Ada',NULL,1,NULL,'2026-02-01 12:00:00.000000','2026-02-01 12:00:00.000000',NULL,'de','euromlsys');
INSERT INTO chats VALUES(43,'private',NULL,NULL,'Bob','Asia/Tokyo',0,'blocked','2025-02-01 12:00:00.000000','2026-02-01 12:00:00.000000',NULL,NULL,NULL);
CREATE TABLE news (
	id INTEGER NOT NULL, 
	event_id VARCHAR(64) NOT NULL, 
	html TEXT NOT NULL, 
	posted_at DATETIME NOT NULL, 
	posted_by BIGINT, 
	source VARCHAR(16) NOT NULL, 
	source_key VARCHAR(128), 
	CONSTRAINT pk_news PRIMARY KEY (id), 
	CONSTRAINT ck_news_source CHECK (source IN ('config', 'admin')), 
	CONSTRAINT uq_news_event_id_source_key UNIQUE (event_id, source_key)
);
INSERT INTO news VALUES(1,'euromlsys2026','<b>CfP out</b>','2026-02-01 12:00:00.000000',NULL,'config','cfp');
INSERT INTO news VALUES(2,'euromlsys2026','Room change','2026-02-01 12:00:00.000000',99,'admin',NULL);
CREATE TABLE extensions (
	id INTEGER NOT NULL, 
	event_id VARCHAR(64) NOT NULL, 
	key_date_id VARCHAR(64) NOT NULL, 
	previous_at DATETIME NOT NULL, 
	new_at DATETIME NOT NULL, 
	new_as_written TEXT NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	recorded_by BIGINT, 
	CONSTRAINT pk_extensions PRIMARY KEY (id)
);
INSERT INTO extensions VALUES(1,'euromlsys2026','paper','2025-02-01 12:00:00.000000','2026-02-01 12:00:00.000000','1 Feb 2026 12:00 UTC','2026-02-01 12:00:00.000000',99);
CREATE TABLE audit (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	user_id BIGINT, 
	action VARCHAR(64) NOT NULL, 
	detail TEXT NOT NULL, 
	outcome VARCHAR(32) NOT NULL, 
	CONSTRAINT pk_audit PRIMARY KEY (id)
);
INSERT INTO audit VALUES(1,'2026-02-01 12:00:00.000000',99,'news.post','Room change','ok');
CREATE TABLE kv (
	"key" VARCHAR(128) NOT NULL, 
	value TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_kv PRIMARY KEY ("key")
);
INSERT INTO kv VALUES('webhook_secret','abc','2026-02-01 12:00:00.000000');
INSERT INTO kv VALUES('keydate:euromlsys2026:paper','2026-02-16T11:59:00Z','2026-02-01 12:00:00.000000');
CREATE TABLE broadcasts (
	id INTEGER NOT NULL, 
	event_id VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	ref VARCHAR(255) NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by BIGINT, 
	status VARCHAR(16) NOT NULL, 
	total INTEGER NOT NULL, 
	report TEXT, 
	finished_at DATETIME, paid BOOLEAN NOT NULL DEFAULT 0, 
	CONSTRAINT pk_broadcasts PRIMARY KEY (id), 
	CONSTRAINT ck_broadcasts_kind CHECK (kind IN ('reminder', 'news', 'extension', 'edition')), 
	CONSTRAINT ck_broadcasts_status CHECK (status IN ('pending', 'running', 'done', 'cancelled')), 
	CONSTRAINT uq_broadcasts_event_id_kind_ref UNIQUE (event_id, kind, ref)
);
INSERT INTO broadcasts VALUES(7,'euromlsys2026','news','1','2026-02-01 12:00:00.000000',99,'running',2,NULL,NULL,0);
INSERT INTO broadcasts VALUES(8,'euromlsys2026','reminder','paper:7d','2026-02-01 12:00:00.000000',NULL,'done',1,'sent 1','2026-02-01 12:00:00.000000',0);
INSERT INTO broadcasts VALUES(9,'euromlsys2027','edition','euromlsys2027','2026-02-01 12:00:00.000000',NULL,'pending',1,NULL,NULL,0);
INSERT INTO broadcasts VALUES(10,'euromlsys2026','news','2','2026-02-01 12:00:00.000000',99,'running',1,NULL,NULL,1);
CREATE TABLE subscriptions (
	series_id VARCHAR(64) NOT NULL, 
	chat_id BIGINT NOT NULL, 
	subscribed_at DATETIME NOT NULL, 
	unsubscribed_at DATETIME, 
	reminders VARCHAR(16) NOT NULL, 
	active BOOLEAN NOT NULL, 
	CONSTRAINT pk_subscriptions PRIMARY KEY (series_id, chat_id), 
	CONSTRAINT ck_subscriptions_reminders CHECK (reminders IN ('all', 'deadlines', 'off')), 
	CONSTRAINT fk_subscriptions_chat_id_chats FOREIGN KEY(chat_id) REFERENCES chats (chat_id)
);
INSERT INTO subscriptions VALUES('euromlsys',43,'2025-02-01 12:00:00.000000','2026-02-01 12:00:00.000000','all',0);
INSERT INTO subscriptions VALUES('euromlsys',42,'2026-02-01 12:00:00.000000',NULL,'all',1);
INSERT INTO subscriptions VALUES('euromlsys',-1002000000001,'2026-02-01 12:00:00.000000',NULL,'deadlines',1);
INSERT INTO subscriptions VALUES('mlsys',42,'2026-02-01 12:00:00.000000',NULL,'deadlines',1);
CREATE TABLE muted_key_dates (
	series_id VARCHAR(64) NOT NULL, 
	chat_id BIGINT NOT NULL, 
	key_date_id VARCHAR(64) NOT NULL, 
	muted_at DATETIME NOT NULL, 
	CONSTRAINT pk_muted_key_dates PRIMARY KEY (series_id, chat_id, key_date_id), 
	CONSTRAINT fk_muted_key_dates_chat_id_chats FOREIGN KEY(chat_id) REFERENCES chats (chat_id)
);
INSERT INTO muted_key_dates VALUES('euromlsys',42,'camera-ready','2026-02-01 12:00:00.000000');
INSERT INTO muted_key_dates VALUES('euromlsys',42,'paper','2025-02-01 12:00:00.000000');
CREATE TABLE editions (
	event_id VARCHAR(64) NOT NULL, 
	series_id VARCHAR(64) NOT NULL, 
	year INTEGER, 
	first_seen DATETIME NOT NULL, 
	announced_at DATETIME, 
	CONSTRAINT pk_editions PRIMARY KEY (event_id)
);
INSERT INTO editions VALUES('euromlsys2025','euromlsys',2025,'2026-11-30 14:17:34.000000',NULL);
INSERT INTO editions VALUES('euromlsys2026','euromlsys',2026,'2026-11-30 14:17:34.000000',NULL);
INSERT INTO editions VALUES('euromlsys2027','euromlsys',2027,'2026-02-01 12:00:00.000000','2026-02-01 12:00:00.000000');
CREATE TABLE broadcast_parts (
	broadcast_id INTEGER NOT NULL, 
	part INTEGER NOT NULL, 
	payload TEXT NOT NULL, 
	CONSTRAINT pk_broadcast_parts PRIMARY KEY (broadcast_id, part), 
	CONSTRAINT fk_broadcast_parts_broadcast_id_broadcasts FOREIGN KEY(broadcast_id) REFERENCES broadcasts (id)
);
INSERT INTO broadcast_parts VALUES(10,0,'{"text":"part 0"}');
INSERT INTO broadcast_parts VALUES(10,1,'{"text":"part 1"}');
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	broadcast_id INTEGER NOT NULL, 
	chat_id BIGINT NOT NULL, 
	idempotency_key VARCHAR(255) NOT NULL, 
	payload TEXT, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_at DATETIME, 
	message_id BIGINT, 
	last_error TEXT, 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	part INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_outbox PRIMARY KEY (id), 
	CONSTRAINT ck_outbox_status CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled', 'skipped')), 
	CONSTRAINT fk_outbox_broadcast_id_broadcasts FOREIGN KEY(broadcast_id) REFERENCES broadcasts (id), 
	CONSTRAINT uq_outbox_idempotency_key UNIQUE (idempotency_key)
);
INSERT INTO outbox VALUES(1,7,42,'news:7:42','{"text":"hi"}','pending',0,'2026-02-01 12:00:00.000000',NULL,NULL,NULL,'2026-02-01 12:00:00.000000',NULL,0);
INSERT INTO outbox VALUES(2,7,-1002000000001,'news:7:-1002000000001','{"text":"hi"}','sent',1,'2026-02-01 12:00:00.000000','2026-02-01 12:00:00.000000',1001,NULL,'2026-02-01 12:00:00.000000','2026-02-01 12:00:00.000000',0);
INSERT INTO outbox VALUES(3,8,42,'reminder:8:42','{"text":"7 days"}','failed',5,'2026-02-01 12:00:00.000000',NULL,NULL,'Bad Request','2026-02-01 12:00:00.000000',NULL,0);
INSERT INTO outbox VALUES(4,9,42,'edition:9:42','{"text":"2027"}','sending',1,'2026-02-01 12:00:00.000000','2026-02-01 12:00:00.000000',NULL,NULL,'2026-02-01 12:00:00.000000',NULL,0);
INSERT INTO outbox VALUES(5,10,42,'news:10:42:1',NULL,'pending',0,'2026-02-01 12:00:00.000000',NULL,NULL,NULL,'2026-02-01 12:00:00.000000',NULL,1);
CREATE INDEX ix_news_event_id_posted_at ON news (event_id, posted_at);
CREATE INDEX ix_extensions_event_id_key_date_id ON extensions (event_id, key_date_id);
CREATE INDEX ix_audit_at ON audit (at);
CREATE INDEX ix_editions_series_id ON editions (series_id);
CREATE INDEX ix_outbox_broadcast_id_status ON outbox (broadcast_id, status);
CREATE INDEX ix_outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
COMMIT;
