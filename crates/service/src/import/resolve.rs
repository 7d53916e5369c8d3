//! Finding the organization a cell names: among the active organizations
//! of the import's subtree, loaded once, by exact full name; or, when
//! several share the name, by the path form "上级全称/名称" (any number of
//! levels), which is always accepted.

use crate::error::ServiceResult;
use dangjian_store::Conn;
use dangjian_store::org::{self as odb, OrgRow};
use std::collections::HashMap;

pub(crate) struct OrgIndex {
    pub orgs: Vec<OrgRow>,
    by_name: HashMap<String, Vec<usize>>,
    name_of: HashMap<i64, String>,
    scope_name: String,
}

/// Ids in a stored path, root first.
pub(crate) fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

impl OrgIndex {
    /// The active organizations in `scope`'s subtree (and the names of its
    /// ancestors, for path forms that start above it).
    pub async fn load(conn: &mut Conn, scope: &OrgRow) -> ServiceResult<Self> {
        let orgs: Vec<OrgRow> = odb::subtree(conn, &scope.path, &odb::upper_of(&scope.path))
            .await?
            .into_iter()
            .filter(|o| o.status == "active")
            .collect();
        let mut name_of: HashMap<i64, String> =
            orgs.iter().map(|o| (o.id, o.name.clone())).collect();
        for a in odb::get_orgs(conn, &path_ids(&scope.path)).await? {
            name_of.insert(a.id, a.name);
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, o) in orgs.iter().enumerate() {
            by_name.entry(o.name.clone()).or_default().push(i);
        }
        Ok(Self {
            orgs,
            by_name,
            name_of,
            scope_name: scope.name.clone(),
        })
    }

    /// The organizations `text` could mean (full name, or path form).
    pub fn candidates(&self, text: &str) -> Vec<&OrgRow> {
        self.candidate_indices(text)
            .into_iter()
            .map(|i| &self.orgs[i])
            .collect()
    }

    /// Like [`Self::candidates`], as indices into `orgs`.
    pub fn candidate_indices(&self, text: &str) -> Vec<usize> {
        if let Some(ix) = self.by_name.get(text) {
            return ix.clone();
        }
        let segments: Vec<&str> = text.split('/').map(str::trim).collect();
        let Some((name, uppers)) = segments.split_last() else {
            return Vec::new();
        };
        if uppers.is_empty() {
            return Vec::new();
        }
        let Some(ix) = self.by_name.get(*name) else {
            return Vec::new();
        };
        ix.iter()
            .copied()
            .filter(|i| {
                let o = &self.orgs[*i];
                let mut ancestors = path_ids(&o.path);
                ancestors.pop();
                ancestors.len() >= uppers.len()
                    && uppers
                        .iter()
                        .rev()
                        .zip(ancestors.iter().rev())
                        .all(|(seg, id)| self.name_of.get(id).is_some_and(|n| n == seg))
            })
            .collect()
    }

    /// The one organization `text` names, or the Chinese reason why not.
    pub fn resolve(&self, text: &str) -> Result<&OrgRow, String> {
        let found = self.candidates(text);
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(self.not_found(text)),
            [first, ..] => Err(self.ambiguous(text, found.len(), first)),
        }
    }

    pub fn not_found(&self, text: &str) -> String {
        format!("在“{}”范围内找不到党组织“{text}”", self.scope_name)
    }

    pub fn ambiguous(&self, text: &str, n: usize, example: &OrgRow) -> String {
        let parent = example
            .parent_id
            .and_then(|p| self.name_of.get(&p))
            .map_or("上级全称", String::as_str);
        format!(
            "有{n}个党组织名为“{text}”，请写成“上级全称/名称”的形式，如“{parent}/{}”",
            example.name
        )
    }
}
