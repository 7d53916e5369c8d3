//! The rectification 台账 as a spreadsheet, for one organization or for
//! the year's whole list in the reader's scope: four sheets — 问题分析,
//! 整改方案, 整改事项, 验收销号 — one row per organization (per item on the
//! items sheet). Text that a spreadsheet would run as a formula is written
//! with Excel's quote prefix, as the other exports do.

use super::ledger::{self, LedgerView};
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::export::looks_like_formula;
use crate::warnings::ReasonView;
use crate::{Services, clock};
use dangjian_domain::role::Permission;
use dangjian_domain::warnings::Level;
use dangjian_store::org as odb;
use dangjian_store::rectify as db;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

fn xlsx_error(e: XlsxError) -> ServiceError {
    ServiceError::Db(dangjian_store::DbError::io(std::io::Error::other(e)))
}

fn reasons_text(reasons: &[ReasonView]) -> String {
    reasons
        .iter()
        .map(|r| r.detail.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

fn level_text(level: Level, reasons: &[ReasonView]) -> String {
    if reasons.is_empty() {
        level.title().to_owned()
    } else {
        format!("{}：{}", level.title(), reasons_text(reasons))
    }
}

struct Sheet<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    quoted: &'a Format,
}

impl Sheet<'_> {
    fn header(&mut self, cols: &[(&str, f64)], bold: &Format) -> ServiceResult<()> {
        for (i, (name, width)) in cols.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            self.ws
                .write_string_with_format(0, col, *name, bold)
                .map_err(xlsx_error)?;
            self.ws.set_column_width(col, *width).map_err(xlsx_error)?;
        }
        self.row = 1;
        Ok(())
    }

    fn line(&mut self, cells: &[&str]) -> ServiceResult<()> {
        for (i, s) in cells.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            if looks_like_formula(s) {
                self.ws
                    .write_string_with_format(self.row, col, *s, self.quoted)
            } else {
                self.ws.write_string(self.row, col, *s)
            }
            .map_err(xlsx_error)?;
        }
        self.row += 1;
        Ok(())
    }
}

/// The ledgers as .xlsx bytes.
pub fn ledgers_xlsx(views: &[LedgerView]) -> ServiceResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let quoted = Format::new().set_quote_prefix();
    {
        let ws = wb.add_worksheet();
        ws.set_name("问题分析").map_err(xlsx_error)?;
        let mut s = Sheet {
            ws,
            row: 0,
            quoted: &quoted,
        };
        s.header(
            &[
                ("党组织", 28.0),
                ("年度", 8.0),
                ("列入方式", 12.0),
                ("列入说明", 30.0),
                ("排查时预警", 40.0),
                ("问题分析", 60.0),
            ],
            &bold,
        )?;
        for v in views {
            let l = &v.ledger;
            s.line(&[
                &l.org_name,
                &l.year.to_string(),
                if l.flagged != 0 {
                    "预警列入"
                } else {
                    "乡镇增补"
                },
                &l.entry_reason,
                &level_text(v.level, &v.reasons),
                &l.analysis,
            ])?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("整改方案").map_err(xlsx_error)?;
        let mut s = Sheet {
            ws,
            row: 0,
            quoted: &quoted,
        };
        s.header(
            &[
                ("党组织", 28.0),
                ("目标任务", 40.0),
                ("整改措施", 50.0),
                ("整改时限", 12.0),
                ("责任主体", 20.0),
                ("联系县领导", 20.0),
                ("状态", 10.0),
            ],
            &bold,
        )?;
        for v in views {
            let l = &v.ledger;
            s.line(&[
                &l.org_name,
                &l.goal,
                &l.measures,
                l.deadline.as_deref().unwrap_or(""),
                &l.responsible,
                &l.contact_leader,
                v.status.label(),
            ])?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("整改事项").map_err(xlsx_error)?;
        let mut s = Sheet {
            ws,
            row: 0,
            quoted: &quoted,
        };
        s.header(
            &[
                ("党组织", 28.0),
                ("整改事项", 36.0),
                ("交办单位", 24.0),
                ("办理期限", 12.0),
                ("办理状态", 10.0),
                ("期限情况", 10.0),
            ],
            &bold,
        )?;
        for v in views {
            for i in &v.items {
                s.line(&[
                    &v.ledger.org_name,
                    &i.item.title,
                    &i.item.owner_name,
                    &i.item.deadline,
                    i.item.state_label,
                    i.item.deadline_label,
                ])?;
            }
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("验收销号").map_err(xlsx_error)?;
        let mut s = Sheet {
            ws,
            row: 0,
            quoted: &quoted,
        };
        s.header(
            &[
                ("党组织", 28.0),
                ("状态", 10.0),
                ("验收意见", 40.0),
                ("验收时复核", 40.0),
                ("验收人", 16.0),
                ("验收时间", 18.0),
            ],
            &bold,
        )?;
        for v in views {
            let l = &v.ledger;
            let recheck = v
                .accept_level
                .map(|lv| level_text(lv, &v.accept_reasons))
                .unwrap_or_default();
            s.line(&[
                &l.org_name,
                v.status.label(),
                &l.accept_note,
                &recheck,
                l.accepted_by.as_deref().unwrap_or(""),
                &l.accepted_at
                    .as_deref()
                    .map(clock::display_ts)
                    .unwrap_or_default(),
            ])?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_error)
}

/// One organization's 台账: (file name, bytes).
pub async fn ledger_file(
    svc: &Services,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(String, Vec<u8>)> {
    let v = ledger::get(svc, actor, id).await?;
    let name = format!("整改台账-{}-{}年度.xlsx", v.ledger.org_name, v.ledger.year);
    Ok((name, ledgers_xlsx(std::slice::from_ref(&v))?))
}

/// The year's list for `org`'s subtree (default: the actor's whole scope):
/// (file name, bytes).
pub async fn year_file(
    svc: &Services,
    actor: &Actor,
    year: i32,
    org: Option<i64>,
) -> ServiceResult<(String, Vec<u8>)> {
    actor.require(Permission::ReadBusiness)?;
    let (name, ids) = {
        let mut conn = svc.store.read().await?;
        let (name, path) = match org {
            Some(id) => {
                let o = odb::get_org(&mut conn, id).await?;
                actor.require_scope(&o.path)?;
                (o.name, o.path)
            }
            None => (actor.org_name.clone(), actor.org_path.as_str().to_owned()),
        };
        let ids: Vec<i64> = db::ledgers(&mut conn, i64::from(year), &path, &odb::upper_of(&path))
            .await?
            .iter()
            .map(|l| l.id)
            .collect();
        (name, ids)
    };
    let mut views = Vec::with_capacity(ids.len());
    for id in ids {
        views.push(ledger::get(svc, actor, id).await?);
    }
    let name = format!("软弱涣散党组织整改台账-{name}-{year}年度.xlsx");
    Ok((name, ledgers_xlsx(&views)?))
}
