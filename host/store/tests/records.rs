//! The plugin record store against real databases: SQLite always, PostgreSQL when
//! `EOEX_TEST_POSTGRES_URL` is set (a fresh database per test).

use eoex_abi::HostError;
use eoex_abi::manifest::{EntityDef, FieldDef, FieldKind, IndexDef};
use eoex_abi::services::{
    Aggregate, AggregateFunction, Aggregation, Comparison, FilterNode, GroupKey, Query, Scalar,
    SortKey,
};
use eoex_store::audit::Origin;
use eoex_store::entities::{EntityRef, PluginTx};
use eoex_store::users::NewUser;
use eoex_store::{Db, DbKind, PageRequest};
use serde_json::{Value, json};
use sqlx::Connection;
use uuid::Uuid;

struct TestDb {
    db: Db,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let mut all = vec![TestDb {
        db: sqlite,
        _dir: dir,
        postgres: None,
    }];
    if let Ok(admin) = std::env::var("EOEX_TEST_POSTGRES_URL") {
        let name = format!("eoex_t_{}", Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        all.push(TestDb {
            db,
            _dir: tempfile::tempdir().unwrap(),
            postgres: Some((admin, name)),
        });
    }
    all
}

fn field(name: &str, kind: FieldKind) -> FieldDef {
    FieldDef {
        name: name.into(),
        kind,
        label: name.into(),
        required: false,
        unique: false,
        indexed: false,
        default_value: None,
        choices: vec![],
        max_length: None,
    }
}

fn products() -> EntityDef {
    EntityDef {
        name: "products".into(),
        label: "Products".into(),
        id_field: "product_id".into(),
        fields: vec![
            FieldDef {
                required: true,
                ..field("name", FieldKind::Text)
            },
            FieldDef {
                unique: true,
                ..field("sku", FieldKind::Text)
            },
            FieldDef {
                default_value: Some("0".into()),
                ..field("stock", FieldKind::Integer)
            },
            field("price", FieldKind::Decimal),
            field("active", FieldKind::Boolean),
            field("launched", FieldKind::Date),
            field("extra", FieldKind::Json),
        ],
        indexes: vec![IndexDef {
            fields: vec!["name".into()],
            unique: false,
        }],
        exposed: false,
    }
}

async fn tenant(db: &Db, name: &str) -> Uuid {
    let owner = NewUser {
        username: format!("o@{name}.example"),
        email: format!("o@{name}.example"),
        password_hash: "x".into(),
        first_name: None,
        last_name: None,
        phone: None,
        role: "owner".into(),
    };
    db.sign_up(name, &format!("{name}.example"), owner, &Origin::default())
        .await
        .unwrap()
        .0
        .tenant_id
}

async fn tx(db: &Db, tenant: Uuid) -> PluginTx {
    db.begin_plugin_tx(tenant, "erp", Origin::default(), true)
        .await
        .unwrap()
}

fn cond(field: &str, op: Comparison, value: Scalar) -> FilterNode {
    FilterNode::Condition {
        field: field.into(),
        op,
        value,
    }
}

#[tokio::test]
async fn records_round_trip_with_types_defaults_and_conflicts() {
    for t in databases().await {
        let db = &t.db;
        let def = products();
        db.ensure_entity_tables("erp", std::slice::from_ref(&def))
            .await
            .unwrap();
        let entity = EntityRef {
            module: "erp",
            def: &def,
        };
        let a = tenant(db, "acme").await;
        let mut tx = tx(db, a).await;
        let stored = tx
            .insert(entity, json!({"name": "Anvil", "sku": "A-1", "price": 19.99, "active": true, "launched": "2026-01-31", "extra": {"colour": "black"}}))
            .await
            .unwrap();
        let id = stored["product_id"].as_str().unwrap().to_owned();
        assert_eq!(stored["stock"], 0, "default applied ({:?})", db.kind());
        assert_eq!(stored["price"].as_f64(), Some(19.99));
        assert_eq!(stored["active"], true);
        assert_eq!(stored["launched"], "2026-01-31");
        assert_eq!(stored["extra"]["colour"], "black");
        assert!(stored.get("tenant_id").is_none());
        assert!(stored["created_at"].is_string());
        assert_eq!(tx.get(entity, &id).await.unwrap().unwrap()["name"], "Anvil");
        assert_eq!(tx.get(entity, "not-a-uuid").await.unwrap(), None);

        assert_eq!(
            tx.insert(entity, json!({"name": "Other", "sku": "A-1"}))
                .await
                .unwrap_err(),
            HostError::Conflict("sku".into())
        );
        for bad in [
            json!({"sku": "x"}),
            json!({"name": 5}),
            json!({"name": "x", "nope": 1}),
            json!({"name": "x", "product_id": id}),
            json!({"name": "x", "launched": "31/01/2026"}),
        ] {
            assert!(
                matches!(
                    tx.insert(entity, bad.clone()).await,
                    Err(HostError::Invalid(_))
                ),
                "{bad}"
            );
        }
        let updated = tx
            .update(entity, &id, json!({"price": 25, "active": false}), vec![])
            .await
            .unwrap();
        assert_eq!(updated["price"].as_f64(), Some(25.0));
        assert_eq!(updated["active"], false);
        assert_eq!(updated["name"], "Anvil");
        assert_eq!(
            tx.update(
                entity,
                &Uuid::now_v7().to_string(),
                json!({"price": 1}),
                vec![]
            )
            .await
            .unwrap_err(),
            HostError::NotFound
        );
        assert!(tx.delete(entity, &id).await.unwrap());
        assert!(!tx.delete(entity, &id).await.unwrap());
        tx.commit().await.unwrap();
        let trail = db
            .audit_trail(a, None, PageRequest { page: 1, limit: 50 })
            .await
            .unwrap();
        let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
        for action in [
            "erp.products.create",
            "erp.products.update",
            "erp.products.delete",
        ] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        let update = trail
            .items
            .iter()
            .find(|e| e.action == "erp.products.update")
            .unwrap();
        assert_eq!(update.old_values.as_ref().unwrap().0["active"], true);
        assert_eq!(update.new_values.as_ref().unwrap().0["active"], false);
    }
}

#[tokio::test]
async fn increments_are_atomic_and_conditional() {
    for t in databases().await {
        let db = &t.db;
        let def = products();
        db.ensure_entity_tables("erp", std::slice::from_ref(&def))
            .await
            .unwrap();
        let entity = EntityRef {
            module: "erp",
            def: &def,
        };
        let a = tenant(db, "acme").await;
        let mut tx = tx(db, a).await;
        let id = tx
            .insert(entity, json!({"name": "Anvil", "stock": 5}))
            .await
            .unwrap()["product_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let enough = |n: i64| vec![cond("stock", Comparison::Gte, Scalar::Integer(n))];
        assert_eq!(
            tx.increment(entity, &id, "stock", -3.0, enough(3))
                .await
                .unwrap()["stock"],
            2
        );
        assert_eq!(
            tx.increment(entity, &id, "stock", -3.0, enough(3))
                .await
                .unwrap_err(),
            HostError::ConditionFailed
        );
        assert_eq!(
            tx.get(entity, &id).await.unwrap().unwrap()["stock"],
            2,
            "a failed condition changes nothing"
        );
        assert!(matches!(
            tx.increment(entity, &id, "stock", 0.5, vec![]).await,
            Err(HostError::Invalid(_))
        ));
        assert!(matches!(
            tx.increment(entity, &id, "name", 1.0, vec![]).await,
            Err(HostError::Invalid(_))
        ));
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn queries_filter_sort_paginate_count_and_aggregate() {
    for t in databases().await {
        let db = &t.db;
        let def = products();
        db.ensure_entity_tables("erp", std::slice::from_ref(&def))
            .await
            .unwrap();
        let entity = EntityRef {
            module: "erp",
            def: &def,
        };
        let a = tenant(db, "acme").await;
        let mut tx = tx(db, a).await;
        for (i, name) in ["Anvil", "Rocket", "Magnet", "Rope", "Bird seed"]
            .iter()
            .enumerate()
        {
            let launched = if i < 3 { "2026-01-01" } else { "2026-01-02" };
            tx.insert(entity, json!({"name": name, "stock": i * 10, "price": 2.5, "launched": launched, "active": i % 2 == 0}))
                .await
                .unwrap();
        }
        let q = |filter: Vec<FilterNode>, sort: Vec<SortKey>, limit: u32| Query {
            entity: "products".into(),
            filter,
            sort,
            limit: Some(limit),
            offset: None,
            cursor: None,
        };
        let names = |page: &eoex_abi::services::Page| {
            page.records
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };

        // (name contains "ro" OR stock >= 40) AND NOT active = false
        let filter = vec![
            cond("name", Comparison::Contains, Scalar::Text("RO".into())),
            cond("stock", Comparison::Gte, Scalar::Integer(40)),
            FilterNode::Any(vec![0, 1]),
            cond("active", Comparison::Eq, Scalar::Boolean(false)),
            FilterNode::Not(3),
            FilterNode::All(vec![2, 4]),
        ];
        let page = tx
            .query(
                entity,
                &q(
                    filter.clone(),
                    vec![SortKey {
                        field: "name".into(),
                        descending: false,
                    }],
                    50,
                ),
            )
            .await
            .unwrap();
        assert_eq!(names(&page), ["Bird seed"]);
        assert_eq!(tx.count(entity, &filter).await.unwrap(), 1);
        let in_list = vec![FilterNode::InList {
            field: "name".into(),
            values: vec![Scalar::Text("Rope".into()), Scalar::Text("Anvil".into())],
        }];
        assert_eq!(tx.count(entity, &in_list).await.unwrap(), 2);

        // Pagination by cursor walks every record once, in the requested order.
        let sort = vec![SortKey {
            field: "stock".into(),
            descending: true,
        }];
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let mut query = q(vec![], sort.clone(), 2);
            query.cursor = cursor.clone();
            let page = tx.query(entity, &query).await.unwrap();
            seen.extend(names(&page));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, ["Bird seed", "Rope", "Magnet", "Rocket", "Anvil"]);

        let by_day = Aggregation {
            entity: "products".into(),
            filter: vec![],
            group_by: vec![GroupKey::Day("launched".into())],
            aggregates: vec![
                Aggregate {
                    function: AggregateFunction::Count,
                    field: None,
                    alias: "n".into(),
                },
                Aggregate {
                    function: AggregateFunction::Sum,
                    field: Some("stock".into()),
                    alias: "stock".into(),
                },
                Aggregate {
                    function: AggregateFunction::Max,
                    field: Some("price".into()),
                    alias: "top_price".into(),
                },
            ],
        };
        let rows = tx.aggregate(entity, &by_day).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["launched"], "2026-01-01");
        assert_eq!(rows[0]["n"], 3);
        assert_eq!(rows[0]["stock"].as_f64(), Some(30.0));
        assert_eq!(rows[1]["stock"].as_f64(), Some(70.0));
        assert_eq!(rows[1]["top_price"].as_f64(), Some(2.5));
        let bad = Aggregation {
            aggregates: vec![Aggregate {
                function: AggregateFunction::Sum,
                field: Some("name".into()),
                alias: "x".into(),
            }],
            ..by_day.clone()
        };
        assert!(matches!(
            tx.aggregate(entity, &bad).await,
            Err(HostError::Invalid(_))
        ));
        let unknown = q(
            vec![cond("secret", Comparison::Eq, Scalar::Integer(1))],
            vec![],
            10,
        );
        assert!(matches!(
            tx.query(entity, &unknown).await,
            Err(HostError::Invalid(_))
        ));
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn tenants_never_see_each_other() {
    for t in databases().await {
        let db = &t.db;
        let def = products();
        db.ensure_entity_tables("erp", std::slice::from_ref(&def))
            .await
            .unwrap();
        let entity = EntityRef {
            module: "erp",
            def: &def,
        };
        let (a, b) = (tenant(db, "acme").await, tenant(db, "globex").await);
        let mut tx_a = tx(db, a).await;
        let id = tx_a
            .insert(entity, json!({"name": "Anvil", "sku": "S-1"}))
            .await
            .unwrap()["product_id"]
            .as_str()
            .unwrap()
            .to_owned();
        tx_a.commit().await.unwrap();

        let mut tx_b = tx(db, b).await;
        assert_eq!(tx_b.get(entity, &id).await.unwrap(), None);
        assert_eq!(
            tx_b.update(entity, &id, json!({"name": "Pwned"}), vec![])
                .await
                .unwrap_err(),
            HostError::NotFound
        );
        assert_eq!(
            tx_b.increment(entity, &id, "stock", 1.0, vec![])
                .await
                .unwrap_err(),
            HostError::NotFound
        );
        assert!(!tx_b.delete(entity, &id).await.unwrap());
        assert_eq!(tx_b.count(entity, &vec![]).await.unwrap(), 0);
        // The same SKU is free in another tenant.
        tx_b.insert(entity, json!({"name": "Anvil", "sku": "S-1"}))
            .await
            .unwrap();
        tx_b.commit().await.unwrap();

        let mut tx_a = tx(db, a).await;
        assert_eq!(
            tx_a.get(entity, &id).await.unwrap().unwrap()["name"],
            "Anvil"
        );
        assert_eq!(tx_a.count(entity, &vec![]).await.unwrap(), 1);
        tx_a.rollback().await.unwrap();

        if db.kind() == DbKind::Postgres {
            row_level_security_is_a_second_line(&t).await;
        }
    }
}

/// Even SQL that forgets the tenant sees only the transaction's tenant, and none at all
/// outside a plugin transaction.
async fn row_level_security_is_a_second_line(t: &TestDb) {
    let (admin, name) = t.postgres.as_ref().unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("SET ROLE eoex_app")
        .execute(&mut conn)
        .await
        .unwrap();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM erp_products")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(total, 0, "no tenant set: the policy matches nothing");
    let tenant: Uuid =
        sqlx::query_scalar("SELECT tenant_id FROM tenants WHERE tenant_name = 'acme'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('eoex.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let visible: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM erp_products")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, 1, "only acme's row");
    let other: Uuid =
        sqlx::query_scalar("SELECT tenant_id FROM tenants WHERE tenant_name = 'globex'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let smuggled =
        sqlx::query("INSERT INTO erp_products (product_id, tenant_id, name) VALUES ($1, $2, 'x')")
            .bind(Uuid::now_v7())
            .bind(other)
            .execute(&mut *tx)
            .await;
    assert!(
        smuggled.is_err(),
        "WITH CHECK refuses rows of another tenant"
    );
    tx.rollback().await.unwrap();
    // The setting was local to that transaction.
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM erp_products")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(after, 0);
}

#[tokio::test]
async fn sequences_count_per_tenant_and_roll_back_without_gaps() {
    for t in databases().await {
        let db = &t.db;
        let (a, b) = (tenant(db, "acme").await, tenant(db, "globex").await);
        let mut tx_a = tx(db, a).await;
        assert_eq!(tx_a.next_sequence("orders").await.unwrap(), 1);
        assert_eq!(tx_a.next_sequence("orders").await.unwrap(), 2);
        tx_a.commit().await.unwrap();
        let mut rolled_back = tx(db, a).await;
        assert_eq!(rolled_back.next_sequence("orders").await.unwrap(), 3);
        rolled_back.rollback().await.unwrap();
        let mut tx_a = tx(db, a).await;
        assert_eq!(
            tx_a.next_sequence("orders").await.unwrap(),
            3,
            "no gap after a rollback"
        );
        tx_a.commit().await.unwrap();
        let mut tx_b = tx(db, b).await;
        assert_eq!(tx_b.next_sequence("orders").await.unwrap(), 1);
        tx_b.commit().await.unwrap();
    }
}

#[tokio::test]
async fn tables_migrate_additively() {
    for t in databases().await {
        let db = &t.db;
        let v1 = products();
        db.ensure_entity_tables("erp", std::slice::from_ref(&v1))
            .await
            .unwrap();
        let a = tenant(db, "acme").await;
        let mut tx1 = tx(db, a).await;
        let id = tx1
            .insert(
                EntityRef {
                    module: "erp",
                    def: &v1,
                },
                json!({"name": "Anvil"}),
            )
            .await
            .unwrap()["product_id"]
            .as_str()
            .unwrap()
            .to_owned();
        tx1.commit().await.unwrap();
        let mut v2 = products();
        v2.fields.push(field("weight", FieldKind::Decimal));
        db.ensure_entity_tables("erp", std::slice::from_ref(&v2))
            .await
            .unwrap();
        db.ensure_entity_tables("erp", std::slice::from_ref(&v2))
            .await
            .unwrap();
        let mut tx2 = tx(db, a).await;
        let entity = EntityRef {
            module: "erp",
            def: &v2,
        };
        assert_eq!(
            tx2.get(entity, &id).await.unwrap().unwrap()["weight"],
            Value::Null
        );
        tx2.update(entity, &id, json!({"weight": 12.5}), vec![])
            .await
            .unwrap();
        tx2.commit().await.unwrap();
        let mut changed = products();
        changed.fields[0].kind = FieldKind::Integer;
        assert!(db.ensure_entity_tables("erp", &[changed]).await.is_err());
    }
}
