//! The guard layer: every operation declares who may call it (deny by default), and
//! field guards hide what a viewer may not see while the rest of the answer arrives.

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Object, Request, Schema};
use rakshaayan::{
    auth::{
        permission::{Permission, PermissionSet, UserType},
        request::{Auth, ClientInfo},
        viewer::Viewer,
    },
    graphql::{
        access::{Access, Guarded, RootAccess, root_rule},
        context::{ContextHandle, RequestContext},
        users::User,
    },
};
use serde_json::json;

/// Root field names of `type Query { … }` (and Mutation, Subscription) in the SDL.
fn root_fields(sdl: &str) -> Vec<(String, String)> {
    let doc = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    let mut fields = Vec::new();
    for def in doc.definitions {
        if let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = def {
            let name = ty.node.name.node.to_string();
            let operation = match name.as_str() {
                "Query" => "query",
                "Mutation" => "mutation",
                "Subscription" => "subscription",
                _ => continue,
            };
            if let async_graphql::parser::types::TypeKind::Object(obj) = &ty.node.kind {
                for field in &obj.fields {
                    fields.push((operation.to_owned(), field.node.name.node.to_string()));
                }
            }
        }
    }
    fields
}

#[test]
fn every_operation_in_the_schema_declares_an_access_rule() {
    let sdl = rakshaayan::graphql::schema::sdl();
    let fields = root_fields(&sdl);
    assert!(
        fields.iter().any(|(_, f)| f == "me"),
        "the walk sees the real schema"
    );
    let missing: Vec<String> = fields
        .iter()
        .filter(|(op, field)| root_rule(op, field).is_none())
        .map(|(op, field)| format!("{op}.{field}"))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without an access rule (declare one with RootAccess): {missing:?}"
    );
}

struct Root;

impl RootAccess for Root {
    fn access(field: &str) -> Option<Access> {
        match field {
            "open" => Some(Access::Public),
            "adminOnly" => Some(Access::Allow {
                user_types: &[UserType::Admin],
                permissions: &[Permission::AuditRead],
            }),
            // `forgotten` has no rule on purpose.
            _ => None,
        }
    }
}

#[Object]
impl Root {
    async fn open(&self) -> i32 {
        1
    }
    async fn admin_only(&self) -> Option<i32> {
        Some(2)
    }
    async fn forgotten(&self) -> Option<i32> {
        Some(3)
    }
}

fn someone_else() -> entity::auth_users::Model {
    let now = chrono::Utc::now();
    entity::auth_users::Model {
        id: 42,
        username: "someone".into(),
        email: "someone@example.org".into(),
        phone_number: "+919811111111".into(),
        user_type: entity::enums::UserType::Patient,
        is_phone_verified: true,
        is_email_verified: false,
        is_active: true,
        password: "$argon2id$…".into(),
        first_name: Some("Some".into()),
        last_name: None,
        organization_name: None,
        designation: None,
        address: Some("12 Lake Road".into()),
        failed_login_count: 0,
        locked_until: None,
        last_login_at: None,
        created_at: now,
        updated_at: now,
    }
}

fn as_viewer(user_id: i32, user_type: UserType, permissions: &[Permission]) -> ContextHandle {
    let viewer = Viewer::new(
        user_id,
        1,
        user_type,
        permissions.iter().copied().collect::<PermissionSet>(),
        None,
    );
    ContextHandle(Arc::new(RequestContext::new(
        Auth::Viewer(viewer),
        ClientInfo::default(),
    )))
}

fn schema() -> Schema<Guarded<Root>, EmptyMutation, EmptySubscription> {
    Schema::build(Guarded(Root), EmptyMutation, EmptySubscription).finish()
}

#[tokio::test]
async fn a_root_field_without_a_rule_is_refused_at_runtime() {
    let response = schema()
        .execute(Request::new("{ open forgotten }").data(as_viewer(1, UserType::Admin, &[])))
        .await;
    let body = serde_json::to_value(&response).unwrap();
    assert_eq!(
        body["data"]["open"], 1,
        "the rest of the answer arrives: {body}"
    );
    assert!(body["data"]["forgotten"].is_null(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(body["errors"][0]["path"], json!(["forgotten"]));
}

#[tokio::test]
async fn rules_are_the_union_of_user_types_and_permissions() {
    let cases = [
        (UserType::Admin, vec![], true),
        (UserType::Patient, vec![Permission::AuditRead], true),
        (UserType::Patient, vec![Permission::UsersRead], false),
        (UserType::Coordinator, vec![], false),
    ];
    for (user_type, permissions, allowed) in cases {
        let response = schema()
            .execute(Request::new("{ adminOnly }").data(as_viewer(1, user_type, &permissions)))
            .await;
        let body = serde_json::to_value(&response).unwrap();
        if allowed {
            assert_eq!(
                body["data"]["adminOnly"], 2,
                "{user_type:?} {permissions:?}: {body}"
            );
        } else {
            assert!(body["data"]["adminOnly"].is_null());
            let ext = &body["errors"][0]["extensions"];
            assert_eq!(ext["code"], "FORBIDDEN");
            assert_eq!(ext["requiredPermission"], "audit:read");
            assert!(ext["reason"].as_str().unwrap().contains("ADMIN"), "{ext}");
        }
    }
    let anonymous = schema().execute(Request::new("{ adminOnly }")).await;
    let body = serde_json::to_value(&anonymous).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn private_user_fields_are_null_with_forbidden_for_other_viewers() {
    struct SomeoneRoot;
    impl RootAccess for SomeoneRoot {
        fn access(_: &str) -> Option<Access> {
            Some(Access::Authenticated)
        }
    }
    #[Object]
    impl SomeoneRoot {
        async fn someone(&self) -> User {
            User::from(someone_else())
        }
    }
    let schema = Schema::build(Guarded(SomeoneRoot), EmptyMutation, EmptySubscription).finish();
    let query = "{ someone { username email phoneNumber address } }";

    // Another patient: public fields only, FORBIDDEN at each private path.
    let response = schema
        .execute(Request::new(query).data(as_viewer(7, UserType::Patient, &[])))
        .await;
    let body = serde_json::to_value(&response).unwrap();
    assert_eq!(body["data"]["someone"]["username"], "someone");
    assert!(body["data"]["someone"]["email"].is_null());
    let paths: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].clone())
        .collect();
    assert_eq!(paths.len(), 3, "{body}");
    assert!(paths.contains(&json!(["someone", "email"])));
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["extensions"]["code"] == "FORBIDDEN"
                && e["extensions"]["requiredPermission"] == "users:read")
    );

    // The user themself, an admin, and a users:read holder see them.
    for handle in [
        as_viewer(42, UserType::Patient, &[]),
        as_viewer(1, UserType::Admin, &[]),
        as_viewer(8, UserType::Hospital, &[Permission::UsersRead]),
    ] {
        let response = schema.execute(Request::new(query).data(handle)).await;
        let body = serde_json::to_value(&response).unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["someone"]["email"], "someone@example.org");
        assert_eq!(body["data"]["someone"]["address"], "12 Lake Road");
    }
}
