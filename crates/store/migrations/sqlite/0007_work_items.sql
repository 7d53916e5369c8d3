-- Work items (督办/整改事项), supervised tasks (督办任务) and the in-app
-- notices (通知). Kept column-for-column in step with
-- ../postgres/0007_work_items.sql; a store test compares the two.
-- Overdue and escalation are derived from the deadline and the state on
-- the day they are read, never stored; work_escalations only remembers
-- which escalation steps have been announced, so each is announced once.

-- A supervised task dispatched to many units at once: one work item per unit.
CREATE TABLE work_tasks (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    deadline TEXT NOT NULL,
    dispatcher_org_id INTEGER NOT NULL REFERENCES orgs(id),
    -- Copy of the dispatcher's path, kept in step on subtree moves.
    dispatcher_path TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX work_tasks_scope ON work_tasks(dispatcher_path, id);

CREATE TABLE work_items (
    id INTEGER PRIMARY KEY,
    -- 'task' (督办任务) or 'rectification' (整改事项).
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    -- The organization that dispatched the item and accepts it (交办单位).
    owner_org_id INTEGER NOT NULL REFERENCES orgs(id),
    owner_path TEXT NOT NULL,
    -- The organization that does the work (承办单位), at or below the owner.
    assignee_org_id INTEGER NOT NULL REFERENCES orgs(id),
    assignee_path TEXT NOT NULL,
    deadline TEXT NOT NULL,
    -- assigned, in_progress, submitted, accepted (domain::work::WorkState).
    state TEXT NOT NULL DEFAULT 'assigned',
    -- Day of the last submission (for 逾期提交).
    submitted_on TEXT,
    -- Time of the assignee's last progress note or submission (NULL: none yet).
    reported_at TEXT,
    -- What the item belongs to, e.g. 'ledger:12' (a rectification 台账).
    source TEXT,
    task_id INTEGER REFERENCES work_tasks(id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- "My unit's items" and subtree lists.
CREATE INDEX work_items_assignee ON work_items(assignee_path, state, deadline);
CREATE INDEX work_items_owner ON work_items(owner_org_id, state, deadline);
CREATE INDEX work_items_source ON work_items(source);
CREATE INDEX work_items_task ON work_items(task_id);
-- The escalation sweep: open items by deadline.
CREATE INDEX work_items_open ON work_items(state, deadline);

-- The timeline: every accepted action (transition or progress note).
CREATE TABLE work_events (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES work_items(id),
    -- start, submit, accept, return, note (domain::work::ActionKind).
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    -- assignee, owner, parent (domain::work::Party).
    party TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    actor_org_id INTEGER NOT NULL REFERENCES orgs(id),
    at TEXT NOT NULL
);
CREATE INDEX work_events_item ON work_events(item_id, id);

-- Attachments of progress notes; same rules as the records' attachments
-- (type sniffed from the bytes, size and count limited).
CREATE TABLE work_attachments (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES work_events(id),
    item_id INTEGER NOT NULL REFERENCES work_items(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX work_attachments_item ON work_attachments(item_id, event_id);

-- Escalation steps announced: one row per item and level (1 parent,
-- 2 grandparent), naming the organization it reached.
CREATE TABLE work_escalations (
    item_id INTEGER NOT NULL REFERENCES work_items(id),
    level INTEGER NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    at TEXT NOT NULL,
    PRIMARY KEY (item_id, level)
);
CREATE INDEX work_escalations_org ON work_escalations(org_id, item_id);

-- In-app notices (通知) to an organization's users; read by any of them
-- marks it read for all (read_by names who).
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    -- assigned, submitted, returned, accepted, reminder, escalated.
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    item_id INTEGER REFERENCES work_items(id),
    created_at TEXT NOT NULL,
    read_at TEXT,
    read_by TEXT
);
CREATE INDEX notices_org ON notices(org_id, id);
