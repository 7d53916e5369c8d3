//! Steps shared by the browser journeys (the test crate declares
//! `mod browser` beside this module).

#![allow(dead_code)]

use crate::browser::Browser;
use dangjian_domain::member::id_check_char;

/// A valid citizen ID number: `first17` plus its GB 11643 check character.
pub fn valid_id(first17: &str) -> String {
    let check = id_check_char(first17.as_bytes());
    format!("{first17}{}", char::from(check))
}

/// Sets a date input's value by script (typing into date inputs depends on
/// the locale's field order).
pub async fn set_date(b: &Browser, id: &str, value: &str) {
    b.wait_for(&format!("#{id}")).await;
    b.eval(&format!(
        "document.querySelector('#{id}').value = '{value}'; return null;"
    ))
    .await;
    let got = b
        .eval(&format!("return document.querySelector('#{id}').value;"))
        .await;
    assert_eq!(got.as_str(), Some(value), "value of date input #{id}");
}

/// From the tree page, the address of a 党支部's detail page: the first row of
/// the children table whose kind is 党支部 and that has members; otherwise
/// descends into the first child with sub-organizations (bounded).
pub async fn find_branch(b: &Browser, base: &str) -> String {
    const SCRIPT: &str = r#"
        const rows = [...document.querySelectorAll('table.tree-children tbody tr')];
        for (const r of rows) {
            const a = r.querySelector('a[href^="/orgs/"]');
            const kind = r.cells[1] ? r.cells[1].textContent.trim() : '';
            const members = r.cells[4] ? parseInt(r.cells[4].textContent, 10) : 0;
            if (a && kind === '党支部' && members > 0) {
                return { branch: a.getAttribute('href') };
            }
        }
        const down = document.querySelector('table.tree-children a[href^="/orgs?id="]');
        return { down: down ? down.getAttribute('href') : null };
    "#;
    for _ in 0..6 {
        let found = b.eval(SCRIPT).await;
        if let Some(href) = found["branch"].as_str() {
            return format!("{base}{href}");
        }
        let Some(down) = found["down"].as_str() else {
            panic!("no 党支部 reachable from {}", b.current_url().await);
        };
        b.goto(&format!("{base}{down}")).await;
    }
    panic!("no 党支部 with members within 6 levels of the tree");
}
