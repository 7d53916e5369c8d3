-- The member list filtered by category (e.g. all probationary members of a
-- county) is one index range: status and category by equality, then the
-- subtree range on org_path. Without it a county-wide filtered count walks
-- every member of the subtree.
CREATE INDEX members_scope_category ON members(status, category, org_path, id);
