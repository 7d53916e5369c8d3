-- List indexes.
--
-- The member list filtered by category (e.g. all probationary members of a
-- county) is one index range: status and category by equality, then the
-- subtree range on org_path. Without it a county-wide filtered count walks
-- every member of the subtree.
CREATE INDEX members_scope_category ON members(status, category, org_path, id);

-- The tree page lists a page of an organization's children in display
-- order and counts them: a county root at scale has thousands. This index
-- gives both from the index alone instead of visiting every child row.
CREATE INDEX orgs_children ON orgs(parent_id, status, kind, name, id);
-- It starts with parent_id, so the plain parent index is redundant.
DROP INDEX orgs_parent;
