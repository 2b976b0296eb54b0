-- hookspool SQL sink: its three tables, T-SQL (Azure SQL Database, SQL
-- Server 2016 or later).
--
--   sqlcmd -S tcp:myserver.database.windows.net,1433 -d mydb -U myuser -b -i sql/schema/tsql.sql
--
-- Safe to run again (each table is created only when missing). Created in
-- the login's default schema (dbo unless set otherwise): the sink's
-- statements name the tables without a schema. NVARCHAR keeps names in any
-- script; times are UTC, DATETIME2(3). See the README, "SQL over ODBC".

-- One row per contact (manychat_id): the payload of its contact event with
-- the latest event time (event_at, then received_at, then idem_key).
IF OBJECT_ID(N'Contact', N'U') IS NULL
CREATE TABLE Contact (
	manychat_id	NVARCHAR(256)	NOT NULL PRIMARY KEY,
	idem_key	NVARCHAR(400)	NOT NULL UNIQUE,
	event_at	DATETIME2(3)	NOT NULL,
	received_at	DATETIME2(3)	NOT NULL,
	nombre_lead	NVARCHAR(255),
	first_name	NVARCHAR(255),
	last_name	NVARCHAR(255),
	subscriber_id	NVARCHAR(256),
	ultimo_estado	NVARCHAR(255),
	phone		NVARCHAR(64),
	email		NVARCHAR(320),
	payload		NVARCHAR(MAX)	NOT NULL
);
GO

-- One row per campaign-assignment event, inserted once per idem_key.
IF OBJECT_ID(N'Campaign_Contact', N'U') IS NULL
CREATE TABLE Campaign_Contact (
	id		BIGINT IDENTITY(1, 1) PRIMARY KEY,
	idem_key	NVARCHAR(400)	NOT NULL UNIQUE,
	manychat_id	NVARCHAR(256)	NOT NULL,
	campaign_id	NVARCHAR(256)	NOT NULL,
	comercial_id	NVARCHAR(256),
	ultimo_estado	NVARCHAR(255),
	tipo_asignacion	NVARCHAR(255),
	event_at	DATETIME2(3)	NOT NULL,
	received_at	DATETIME2(3)	NOT NULL,
	payload		NVARCHAR(MAX)	NOT NULL
);
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'campaign_contact_manychat_id')
CREATE INDEX campaign_contact_manychat_id ON Campaign_Contact (manychat_id);
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'campaign_contact_campaign_id')
CREATE INDEX campaign_contact_campaign_id ON Campaign_Contact (campaign_id);
GO

-- One row per event of any other source or kind (signed webhooks, for
-- one), inserted once per (source, idem_key): the spool's own key, so a
-- key two sources happen to share never drops an event.
IF OBJECT_ID(N'Webhook_Event', N'U') IS NULL
CREATE TABLE Webhook_Event (
	id		BIGINT IDENTITY(1, 1) PRIMARY KEY,
	source		NVARCHAR(64)	NOT NULL,
	idem_key	NVARCHAR(400)	NOT NULL,
	kind		NVARCHAR(64)	NOT NULL,
	entity_key	NVARCHAR(320),
	received_at	DATETIME2(3)	NOT NULL,
	payload		NVARCHAR(MAX)	NOT NULL,
	CONSTRAINT webhook_event_source_idem_key UNIQUE (source, idem_key)
);
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'webhook_event_kind_received_at')
CREATE INDEX webhook_event_kind_received_at ON Webhook_Event (source, kind, received_at);
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'webhook_event_entity_key')
CREATE INDEX webhook_event_entity_key ON Webhook_Event (entity_key);
GO
