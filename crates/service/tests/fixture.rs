//! The fixture county itself, on both engines: the shape other service
//! tests rely on.

mod common;

use common::TestSvc;
use dangjian_domain::role::Permission;

#[tokio::test]
async fn fixture_county_has_its_shape_and_scoped_accounts() {
    for t in TestSvc::all().await {
        let town = t.actor("county_admin_town").await;
        assert_eq!(town.org_id.0, t.fx.town_a, "{}", t.engine);
        assert!(town.role.can(Permission::EditMembers));
        let members = dangjian_service::members::list(
            &t.svc,
            &town,
            &dangjian_service::members::MemberQuery::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            members.total, 3,
            "{}: town A sees its branch's 3 members",
            t.engine
        );
        t.finish().await;
    }
}
