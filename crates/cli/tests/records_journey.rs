//! A branch secretary records a 支部委员会 on a phone, in headless Chromium
//! through the real `dangjian demo` server: the entry form for their
//! branch, today's date, the sign-in list with one member marked absent
//! with a reason, a photo taken on the spot; the detail page shows the
//! photo, the record is in the branch's list and found by the search, and
//! the 组织生活 compliance page turns this month's 支部委员会 from not yet
//! held to met.
//! Screenshots go to artifacts/screenshots/records-*.png.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/server.rs"]
mod server;

use browser::{Browser, PHONE};
use server::{PASSWORD, start_server};
use std::path::Path;

const OBLIGATION: &str = "branch_committee_meeting_monthly";
const TOPICS: &str = "研究本月发展党员和党费收缴工作";

/// CRC-32 (IEEE) of `bytes`, as PNG chunks need.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A `width`×`height` RGB PNG (a red band over a warm background, like a
/// meeting-room banner), with the image data in stored deflate blocks.
fn write_png(path: &Path, width: u32, height: u32) {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let band = y > height / 3 && y < height * 2 / 3;
            #[allow(clippy::cast_possible_truncation)] // x * 80 / width < 256
            let shade = (x * 80 / width) as u8;
            let px = if band {
                [0xB3, 0x26, 0x1E]
            } else {
                [0xF5 - shade / 4, 0xE6 - shade / 2, 0xC8 - shade]
            };
            raw.extend_from_slice(&px);
        }
    }
    let mut z = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in chunks.iter().enumerate() {
        z.push(u8::from(i + 1 == chunks.len()));
        let len = u16::try_from(block.len()).expect("stored block length");
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    std::fs::write(path, png).expect("write the photo");
}

/// The text of this month's 支部委员会 cell on the compliance page of `org`,
/// or `None` when this build has no compliance page (it is built on another
/// branch; once merged, the journey checks the cell).
async fn committee_cell(b: &Browser, base: &str, org: &str, month: &str) -> Option<String> {
    b.goto(&format!("{base}/life/compliance?org={org}")).await;
    if !(b.exists("h1").await && b.text("h1").await.contains("完成情况")) {
        eprintln!("/life/compliance is not in this build: the compliance check is skipped");
        return None;
    }
    let cell = format!("td[data-obligation=\"{OBLIGATION}\"][data-period=\"{month}\"]");
    b.eval(&format!(
        "document.querySelector('{}').scrollIntoView({{block: 'center', inline: 'center'}}); return null;",
        cell.replace('\'', "\\'")
    ))
    .await;
    Some(b.text(&cell).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_secretary_records_a_committee_meeting_with_a_photo_on_a_phone() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let server = start_server(dir.path()).await;
    let base = server.base.clone();
    let photo = dir.path().join("会议照片.png");
    write_png(&photo, 320, 200);
    let b = Browser::start().await;
    b.set_viewport(PHONE.0, PHONE.1).await;

    b.goto(&format!("{base}/login")).await;
    b.fill("#username", "branch_secretary").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("header.top").await;

    // The entry form for the secretary's own branch.
    b.goto(&format!("{base}/records/new")).await;
    b.wait_for("form.record-form").await;
    let org = b
        .attr("input[name=org]", "value")
        .await
        .expect("the form names its organization");
    let today = b.attr("#held_on", "value").await.unwrap_or_default();
    assert_eq!(today.len(), 10, "the date defaults to today: {today:?}");
    assert_eq!(
        b.attr("#held_on", "max").await.as_deref(),
        Some(today.as_str())
    );
    let committee = b
        .eval(
            "const o = [...document.querySelectorAll('#record_type option')]\
             .find(o => o.textContent.includes('支部委员会')); return o ? o.value : null;",
        )
        .await;
    let committee = committee
        .as_str()
        .expect("the branch may record a 支部委员会")
        .to_owned();
    let width = b
        .eval("return document.documentElement.scrollWidth;")
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(width <= 375, "the form fits a phone: {width}px wide");
    b.screenshot("records-01-form").await;
    let before = committee_cell(&b, &base, &org, &today[..7]).await;
    if let Some(cell) = &before {
        // The demo branch has not held this month's 支部委员会 yet.
        assert!(!cell.contains("已完成"), "before recording: {cell}");
        b.screenshot("records-00-compliance-before").await;
    }
    b.goto(&format!("{base}/records/new?org={org}")).await;
    b.wait_for("form.record-form").await;

    b.select("#record_type", &committee).await;
    b.fill("#place", "村党群服务中心二楼会议室").await;
    b.fill("#host", "支部书记").await;
    b.fill("#topics", TOPICS).await;
    let members = b.texts("ul.sign-in li label").await;
    assert!(members.len() >= 2, "a sign-in list: {members:?}");
    let absent = members[0].trim().to_owned();
    b.click("ul.sign-in li:first-child input.present").await;
    b.fill("ul.sign-in li:first-child input.reason", "外出务工")
        .await;
    b.choose_file("#attachments", &photo).await;

    // Saved without minutes: the form comes back with the message next to
    // the field, the sign-in list as ticked, and asks for the photo again.
    b.click("form.record-form button.primary").await;
    let error = b.wait_for_text("#minutes-error", "会议记录").await;
    assert!(error.contains("须填写会议记录"), "{error}");
    assert!(b.text("div.notice").await.contains("重新选择"));
    assert_eq!(
        b.eval("return document.querySelector('ul.sign-in li:first-child input.present').checked;")
            .await
            .as_bool(),
        Some(false)
    );
    b.eval("document.querySelector('#minutes').scrollIntoView({block: 'center'}); return null;")
        .await;
    b.screenshot("records-02-errors").await;
    b.fill(
        "#minutes",
        "一、通报上月工作；二、讨论确定两名发展对象；三、部署党费收缴。",
    )
    .await;
    b.choose_file("#attachments", &photo).await;
    b.eval("document.querySelector('#attendance').scrollIntoView(); return null;")
        .await;
    b.screenshot("records-03-attendance").await;

    b.click("form.record-form button.primary").await;
    let notice = b.wait_for_text("#notice", "已保存").await;
    assert!(notice.contains("组织生活记录已保存"), "{notice}");
    let title = b.text("h1").await;
    assert!(
        title.contains("支部委员会") && title.contains(&today),
        "{title}"
    );
    let rows = b.texts("table.sign-in-list tbody tr").await;
    assert!(
        rows.iter()
            .any(|r| r.contains(&absent) && r.contains("缺席") && r.contains("外出务工")),
        "{absent} absent with the reason: {rows:?}"
    );
    b.screenshot("records-04-detail").await;
    // The thumbnail loads lazily: bring it into view, then wait for it.
    b.wait_for("img.thumb").await;
    b.eval("document.querySelector('img.thumb').scrollIntoView(); return null;")
        .await;
    let mut loaded = serde_json::Value::Null;
    for _ in 0..50 {
        loaded = b
            .eval(
                "const i = document.querySelector('img.thumb'); \
                 return i.complete && i.naturalWidth > 0 ? i.naturalWidth : -1;",
            )
            .await;
        if loaded.as_i64() == Some(320) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(loaded.as_i64(), Some(320), "the photo is shown");
    b.screenshot("records-05-photo").await;

    // The branch's list has it at the top; the search finds it.
    b.goto(&format!("{base}/records?org={org}")).await;
    let first = b.text("table.records tbody tr").await;
    assert!(
        first.contains(&today) && first.contains("支部委员会"),
        "newest first: {first}"
    );
    b.screenshot("records-06-list").await;
    b.goto(&format!("{base}/records/search?org={org}&q=党费收缴"))
        .await;
    let hit = b.text("ol.hits li").await;
    assert!(hit.contains("支部委员会") && hit.contains(&today), "{hit}");
    assert!(
        b.exists("ol.hits li mark").await,
        "the words are highlighted"
    );
    b.screenshot("records-07-search").await;

    // The compliance page (组织生活 → 完成情况) now counts this month as
    // met: it was not before the meeting was recorded.
    if let Some(before) = before {
        let after = committee_cell(&b, &base, &org, &today[..7])
            .await
            .expect("the compliance page is still there");
        assert!(after.contains("已完成"), "this month's 支部委员会: {after}");
        assert_ne!(after, before, "the new meeting is counted");
        b.screenshot("records-08-compliance").await;
    }
    b.close().await;
    drop(server);
}
