//! The annual procedure for weak and lax organizations in headless
//! Chromium at phone width, through the real `dangjian demo` server: the
//! township administrator starts the year's screening from the warning
//! ranking, adds an organization the engine did not flag with a reason and
//! submits the list; the county administrator confirms it; the township
//! files the plan with its four parts and dispatches a rectification item
//! to the branch; the branch secretary takes it up on the 台账 and submits
//! it on the item's own page; the
//! township accepts the item; the county administrator accepts the
//! rectification beside the indicators' re-check, and the 台账 reads 已销号.
//! Screenshots go to artifacts/screenshots/rectify-*.png.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/server.rs"]
mod server;

use browser::{Browser, PHONE};
use server::{PASSWORD, start_server};

const ADD_REASON: &str = "村“两委”班子不团结，群众来信反映较多，经镇党委研究列入";

/// Logs `user` in (after dropping the previous user's session).
async fn login(b: &Browser, base: &str, user: &str) {
    b.client()
        .delete_all_cookies()
        .await
        .expect("clear the session");
    b.goto(&format!("{base}/login")).await;
    b.fill("#username", user).await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("header.top").await;
}

/// Sets a date input by script (typing depends on the locale's order).
async fn set_date(b: &Browser, id: &str, value: &str) {
    b.wait_for(&format!("#{id}")).await;
    b.eval(&format!(
        "document.querySelector('#{id}').value = '{value}'; return null;"
    ))
    .await;
}

/// The page is no wider than the phone.
async fn fits(b: &Browser, what: &str) {
    let width = b
        .eval("return document.documentElement.scrollWidth;")
        .await
        .as_u64()
        .unwrap_or(0);
    assert!(width <= 375, "{what} fits a phone: {width}px wide");
}

/// Clicks `css` and waits for the notice that the action succeeded.
async fn act(b: &Browser, css: &str, notice: &str) {
    b.eval(&format!(
        "document.querySelector('{}').scrollIntoView({{block: 'center'}}); return null;",
        css.replace('\'', "\\'")
    ))
    .await;
    b.click(css).await;
    let got = b.wait_for_text("#notice", notice).await;
    assert!(got.contains(notice), "{got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one journey, step by step
async fn a_township_proposes_the_county_confirms_and_the_rectification_is_closed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let server = start_server(dir.path()).await;
    let base = server.base.clone();
    let b = Browser::start().await;
    b.set_viewport(PHONE.0, PHONE.1).await;

    // The branch secretary's branch: the organization the item will go to.
    login(&b, &base, "branch_secretary").await;
    b.goto(&format!("{base}/records/new")).await;
    let branch = b
        .attr("input[name=org]", "value")
        .await
        .expect("the secretary's branch");
    let who = b.text("header.top .who span").await;
    let branch_name = who
        .rsplit(" · ")
        .next()
        .expect("the header names the organization")
        .trim()
        .to_owned();

    // The township administrator starts the year's screening.
    login(&b, &base, "town_admin").await;
    b.goto(&format!("{base}/rectify/screening")).await;
    b.wait_for("#proposal").await;
    assert!(b.text("#screening-status").await.contains("未开始"));
    b.screenshot("rectify-01-screening-not-started").await;
    act(&b, "#start", "排查已开始").await;
    let url = b.current_url().await;
    let town = url
        .split("org=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .expect("the proposal's organization in the address")
        .to_owned();
    let year = url
        .split("year=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .expect("the year in the address")
        .to_owned();
    fits(&b, "the proposal").await;
    b.screenshot("rectify-02-preselected").await;

    // Add an organization the engine did not flag, with the reason: the
    // secretary's branch when it is not flagged, otherwise the first one.
    b.click("#show-all").await;
    b.wait_for("#ranking").await;
    let own_add = format!("#org-{branch} form[action$=\"/add\"] input[name=reason]");
    let target = if b.exists(&own_add).await {
        branch.clone()
    } else {
        let found = b
            .eval(
                "const i = document.querySelector('#ranking form[action$=\"/add\"] input[name=reason]'); \
                 return i ? i.closest('li').id.replace('org-', '') : null;",
            )
            .await;
        found
            .as_str()
            .expect("an organization the engine did not flag")
            .to_owned()
    };
    let reason = format!("#org-{target} form[action$=\"/add\"] input[name=reason]");
    b.fill(&reason, ADD_REASON).await;
    b.screenshot("rectify-03-addition-reason").await;
    act(
        &b,
        &format!("#org-{target} form[action$=\"/add\"] button"),
        "已列入名单",
    )
    .await;
    let numbers = b.text("#numbers").await;
    assert!(numbers.contains("其中增补 1 个"), "{numbers}");
    let card = b.text(&format!("#org-{target}")).await;
    assert!(card.contains("增补") && card.contains(ADD_REASON), "{card}");
    // The secretary's branch must be on the list for the item to reach it.
    assert!(
        b.text(&format!("#org-{branch}")).await.contains("拟列入"),
        "the secretary's branch is on the list"
    );
    b.screenshot("rectify-04-added").await;
    act(&b, "#submit", "已报送").await;
    assert!(b.text("#screening-status").await.contains("待县委审核"));
    b.screenshot("rectify-05-submitted").await;

    // The county administrator sees every township's numbers and confirms.
    login(&b, &base, "county_admin").await;
    b.goto(&format!("{base}/rectify/screening?year={year}"))
        .await;
    let row = b.text(&format!("#town-{town}")).await;
    assert!(row.contains("待县委审核"), "{row}");
    fits(&b, "the review").await;
    b.screenshot("rectify-06-county-review").await;
    b.click(&format!("#town-{town} a")).await;
    b.wait_for("#review").await;
    act(&b, "#confirm", "排查名单已确认").await;
    b.screenshot("rectify-07-confirmed").await;
    b.goto(&format!("{base}/rectify?year={year}")).await;
    let ledger = b
        .eval(&format!(
            "const li = [...document.querySelectorAll('#ledgers li')]\
             .find(l => l.querySelector('strong') && l.querySelector('strong').textContent.trim() === '{branch_name}'); \
             return li ? li.querySelector('a').getAttribute('href') : null;"
        ))
        .await;
    let ledger = format!(
        "{base}{}",
        ledger.as_str().expect("a 台账 for the secretary's branch")
    );
    fits(&b, "the overview").await;
    b.screenshot("rectify-08-overview").await;

    // The township files the plan with its four parts and dispatches an item.
    login(&b, &base, "town_admin").await;
    b.goto(&ledger).await;
    assert!(b.text("#ledger-status").await.contains("待制定方案"));
    b.fill(
        "#analysis",
        "书记长期在外务工，班子软弱，“三会一课”不经常，群众意见较大。",
    )
    .await;
    b.fill("#goal", "半年内配齐配强书记，组织生活全部按规定开展")
        .await;
    b.fill(
        "#measures",
        "选派第一书记驻村；镇党委班子成员包村，每月督导一次",
    )
    .await;
    let year_n: i32 = year.parse().expect("a year");
    set_date(&b, "deadline", &format!("{}-06-30", year_n + 1)).await;
    b.fill("#contact_leader", "李建国（县委常委、组织部部长）")
        .await;
    // Without 责任主体 (the browser's own check switched off, as an old
    // phone browser would): the server names the missing part, keeps what
    // was typed and saves nothing.
    b.eval("document.querySelector('#plan form').noValidate = true; return null;")
        .await;
    b.click("#save-plan").await;
    let errors = b.wait_for_text("#errors", "责任主体").await;
    assert!(errors.contains("请填写责任主体"), "{errors}");
    assert!(b.text("#ledger-status").await.contains("待制定方案"));
    assert_eq!(
        b.attr("#contact_leader", "value").await.as_deref(),
        Some("李建国（县委常委、组织部部长）")
    );
    b.eval(
        "document.querySelector('#responsible').scrollIntoView({block: 'center'}); return null;",
    )
    .await;
    b.screenshot("rectify-09a-plan-refused").await;
    b.fill("#responsible", "镇党委、村党组织书记").await;
    b.screenshot("rectify-09-plan").await;
    act(&b, "#save-plan", "整改方案已保存").await;
    assert!(b.text("#ledger-status").await.contains("整改中"));
    b.fill("#title", "选优配强村党组织书记").await;
    set_date(&b, "item-deadline", &format!("{}-03-31", year_n + 1)).await;
    act(&b, "#add-item", "整改事项已交办").await;
    let items = b.text("#items").await;
    assert!(
        items.contains("选优配强村党组织书记") && items.contains("已分派"),
        "{items}"
    );
    fits(&b, "the 台账").await;
    b.screenshot("rectify-10-item-dispatched").await;

    // The branch takes it up and submits it.
    login(&b, &base, "branch_secretary").await;
    b.goto(&ledger).await;
    act(&b, "#items button[data-action=start]", "整改事项已办理").await;
    // Submitted on the item's own page (督办事项), linked from the 台账.
    let item = b
        .attr("#items a[href^=\"/work/\"]", "href")
        .await
        .expect("the item links to its page");
    b.goto(&format!("{base}{item}")).await;
    b.click("#act-submit").await;
    let state = b.wait_for_text("#state", "已提交").await;
    assert!(state.contains("已提交"), "{state}");
    b.screenshot("rectify-11a-item-page").await;
    b.goto(&ledger).await;
    assert!(b.text("#items").await.contains("已提交"));
    b.eval("document.querySelector('#items').scrollIntoView(); return null;")
        .await;
    b.screenshot("rectify-11-item-submitted").await;

    // The township accepts the item: the 台账 waits for the county.
    login(&b, &base, "town_admin").await;
    b.goto(&ledger).await;
    act(&b, "#items button[data-action=accept]", "整改事项已办理").await;
    assert!(b.text("#ledger-status").await.contains("待验收"));
    assert!(
        !b.exists("#accept").await,
        "only the county accepts the rectification"
    );

    // The county administrator accepts beside the re-check: 已销号.
    login(&b, &base, "county_admin").await;
    b.goto(&ledger).await;
    assert!(b.text("#acceptance").await.contains("排查时"));
    b.fill(
        "#note",
        "经实地验收，书记已配齐，组织生活规范开展，同意销号",
    )
    .await;
    b.eval("document.querySelector('#acceptance').scrollIntoView(); return null;")
        .await;
    b.screenshot("rectify-12-acceptance").await;
    act(&b, "#accept", "已验收销号").await;
    assert!(b.text("#ledger-status").await.contains("已销号"));
    let acceptance = b.text("#acceptance").await;
    assert!(
        acceptance.contains("验收时复核") && acceptance.contains("同意销号"),
        "{acceptance}"
    );
    fits(&b, "the closed 台账").await;
    b.eval("document.querySelector('#acceptance').scrollIntoView(); return null;")
        .await;
    b.screenshot("rectify-13-closed").await;
    b.close().await;
    drop(server);
}
