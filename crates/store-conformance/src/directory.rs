//! The directory: users, tokens, regions, partners and settings validated and unique; price versions
//! and the CSV imports of products, partners and customers.

use crate::orders::{approved_school_sor, school_po, school_po_at, set_pricing};
use crate::{today, ts, world};
use domain::Role;
use domain::access::input::Email;
use domain::directory::files::{parse_customers, parse_partners, parse_price_list};
use domain::directory::{ActivationStage, PartnerLevel};
use domain::orders::{NoSorPricing, OverOrderPolicy, PriceBasis};
use jiff::civil::date;
use std::sync::Arc;
use store::*;

pub async fn master_data_is_validated_and_unique(store: Arc<dyn Store>) {
    let w = world(store).await;
    let s = w.store.as_ref();
    let dup = NewUserRecord {
        email: Email::parse("ANN@northwind.example").unwrap(),
        display_name: "Ann".into(),
        role: Role::PartnerUser,
        partner_id: w.partner_a.partner_id,
        password_hash: None,
    };
    assert!(matches!(
        s.create_user(None, dup, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    let orphan = NewUserRecord {
        email: Email::parse("x@y.example").unwrap(),
        display_name: "X".into(),
        role: Role::PartnerUser,
        partner_id: Some(9999),
        password_hash: None,
    };
    assert!(matches!(
        s.create_user(None, orphan, today()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.create_region(None, "West", None, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.create_region(None, "North", Some(w.partner_a.user_id), today()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.create_region(Some(&w.west_manager), "North", None, today()).await,
        Err(StoreError::Forbidden(_))
    ));
    let bad_region = domain::directory::input::NewPartner {
        name: "Nowhere AV".into(),
        level: PartnerLevel::Bronze,
        activation_stage: ActivationStage::FirstContact,
        region_id: 9999,
        reach: Default::default(),
    };
    assert!(matches!(
        s.create_partner(None, bad_region, today()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(s.find_user_by_email(" Ann@Northwind.example ").await.unwrap().is_some());
    let token = s
        .create_token(None, w.partner_a.user_id, "ci", "hash-1", None, today())
        .await
        .unwrap();
    assert_eq!(
        s.authenticate("hash-1", today()).await.unwrap().unwrap().partner_id,
        w.partner_a.partner_id
    );
    s.revoke_token(Some(&w.admin), token.id, today()).await.unwrap();
    assert_eq!(s.authenticate("hash-1", today()).await.unwrap(), None);
    // A deactivated user's tokens are revoked at once; reactivation does not bring them back.
    let ann_token = s
        .create_token(None, w.partner_a.user_id, "ann", "hash-ann", None, today())
        .await
        .unwrap();
    assert!(matches!(
        s.set_user_active(Some(&w.partner_b), w.partner_a.user_id, false, today())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_user_active(Some(&w.west_manager), w.partner_a.user_id, false, today())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // An administrator cannot lock themselves out.
    assert!(matches!(
        s.set_user_active(Some(&w.admin), w.admin.user_id, false, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.find_user(w.admin.user_id).await.unwrap().unwrap().active);
    assert!(
        !s.set_user_active(Some(&w.admin), w.partner_a.user_id, false, today())
            .await
            .unwrap()
            .active
    );
    assert_eq!(s.authenticate("hash-ann", today()).await.unwrap(), None);
    assert!(
        s.set_user_active(None, w.partner_a.user_id, true, today())
            .await
            .unwrap()
            .active
    );
    assert_eq!(s.authenticate("hash-ann", today()).await.unwrap(), None);
    assert_eq!(
        s.find_user(ann_token.user_id).await.unwrap().map(|u| u.active),
        Some(true)
    );
    let mut settings = s.settings().await.unwrap();
    settings.default_validity_days = 0;
    assert!(matches!(
        s.update_settings(&w.admin, settings.clone(), today()).await,
        Err(StoreError::Invalid(_))
    ));
    settings.default_validity_days = 60;
    assert!(matches!(
        s.update_settings(&w.west_manager, settings.clone(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(
        s.update_settings(&w.admin, settings, today())
            .await
            .unwrap()
            .default_validity_days,
        60
    );
}

pub async fn price_versions_apply_from_their_date_and_imports_are_whole(store: Arc<dyn Store>) {
    let w = world(store).await;
    approved_school_sor(&w).await;
    let header = "sku,name,category,accessory,currency,list_price,partner_price,msrp,rrsp,effective_from";
    let next_year = format!(
        "{header}\nMB-100,MimioBoard 100 interactive display,displays,no,USD,5200.00,3600.00,5199.00,4799.00,2026-12-01\n"
    );
    let rows = parse_price_list(&next_year, date(2026, 11, 22)).unwrap();
    let report = w
        .store
        .import_products(Some(&w.admin), rows, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.rows, report.created, report.updated), (1, 0, 1));
    let products = w
        .store
        .list_products(today(), PageRequest::default())
        .await
        .unwrap()
        .items;
    let board = products.iter().find(|p| p.sku == "MB-100").unwrap();
    assert_eq!(board.price.as_ref().unwrap().partner_price.amount_minor, 350_000);
    let next = board.next_price.as_ref().unwrap();
    assert_eq!(
        (next.effective_from, next.partner_price.amount_minor),
        (date(2026, 12, 1), 360_000)
    );
    let before = school_po(&w, "PO-50", Some("SOR-2026-000001"), &[("MB-100", 1)]).await;
    let after = ts("2026-12-01T10:00:00Z");
    let o = school_po_at(&w, "PO-51", Some("SOR-2026-000001"), &[("MB-100", 1)], after).await;
    assert_eq!(o.total.amount_minor, 360_000);
    // A new version never changes an order already entered.
    assert_eq!(
        w.store
            .get_order(&w.partner_a, before.id)
            .await
            .unwrap()
            .total
            .amount_minor,
        350_000
    );

    // A file with one bad row imports nothing; the row is named.
    let exported = w.store.export_products().await.unwrap();
    let bad = format!(
        "{header}\nNEW-1,New,displays,no,USD,1.00,1.00,1.00,1.00,\nNEW-2,Newer,displays,no,EUR,1.00,1.00,1.00,1.00,\n"
    );
    let rows = parse_price_list(&bad, date(2026, 11, 22)).unwrap();
    match w.store.import_products(Some(&w.admin), rows, today(), &|_| {}).await {
        Err(StoreError::Invalid(e)) => assert_eq!((e.0[0].line, e.0[0].field.as_str()), (Some(3), "currency")),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.store.export_products().await.unwrap(), exported);
    assert!(matches!(
        w.store
            .import_products(Some(&w.partner_a), Vec::new(), today(), &|_| {})
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // An export imports back unchanged.
    let text = store::files::price_list_csv(&exported);
    let rows = parse_price_list(&text, date(2026, 11, 22)).unwrap();
    let report = w
        .store
        .import_products(Some(&w.admin), rows, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.rows, report.created, report.updated), (4, 0, 3));
    assert_eq!(w.store.export_products().await.unwrap(), exported);

    // Partners: regions by name; unknown ones are row errors.
    let partners = parse_partners("name,level,activation_stage,region\nNorthwind AV,platinum,fully_operational,west\nLitware,silver,ramp_up,Atlantis\n").unwrap();
    match w
        .store
        .import_partners(Some(&w.admin), partners, today(), &|_| {})
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!((e.0[0].line, e.0[0].field.as_str()), (Some(3), "region")),
        other => panic!("{other:?}"),
    }
    let partners = parse_partners("name,level,activation_stage,region\nNorthwind AV,platinum,fully_operational,west\nLitware,silver,ramp_up,East\n").unwrap();
    let report = w
        .store
        .import_partners(Some(&w.admin), partners, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (1, 1));
    let listed = w.store.export_partners(None).await.unwrap();
    let northwind = listed.iter().find(|p| p.partner.name == "Northwind AV").unwrap();
    assert_eq!(
        (northwind.partner.level, northwind.region.as_str()),
        (PartnerLevel::Platinum, "West")
    );

    // Customers: the vendor's segment decides RRSP or MSRP.
    set_pricing(&w, NoSorPricing::Reprice, OverOrderPolicy::Warn).await;
    let customers = parse_customers(
        "name,city,country,segment\nSpringfield School District,Springfield,US,commercial\nShelbyville Hospital,Shelbyville,US,commercial\n",
    )
    .unwrap();
    let report = w
        .store
        .import_customers(Some(&w.west_manager), customers, today(), &|_| {})
        .await
        .unwrap();
    assert_eq!((report.rows, report.created, report.updated), (2, 1, 1));
    let o = school_po(&w, "PO-52", None, &[("MB-100", 1)]).await;
    assert_eq!(o.lines[0].basis, Some(PriceBasis::CommercialMsrp));
    assert!(matches!(
        w.store.export_customers(Some(&w.partner_a)).await,
        Err(StoreError::Forbidden(_))
    ));
}

pub async fn partners_are_renamed_and_moved_by_administrators(store: Arc<dyn Store>) {
    use domain::directory::input::NewPartner;
    let w = world(store).await;
    let s = w.store.as_ref();
    let id = w.partner_a.partner_id.unwrap();
    let regions = s.list_regions().await.unwrap();
    let east = regions.iter().find(|r| r.name == "East").unwrap().id;
    let entries = s.verify_audit().await.unwrap().entries;
    let change = NewPartner {
        name: "Northwind Audio Visual".into(),
        level: PartnerLevel::Platinum,
        activation_stage: ActivationStage::FullyOperational,
        region_id: east,
        reach: Default::default(),
    };
    let after = s.update_partner(&w.admin, id, change.clone(), today()).await.unwrap();
    assert_eq!(
        (
            after.id,
            after.name.as_str(),
            after.level,
            after.activation_stage,
            after.region_id
        ),
        (
            id,
            "Northwind Audio Visual",
            PartnerLevel::Platinum,
            ActivationStage::FullyOperational,
            east
        )
    );
    assert_eq!(s.get_partner(&w.admin, id).await.unwrap(), after);
    assert_eq!(s.verify_audit().await.unwrap().entries, entries + 1);
    let taken = NewPartner {
        name: "Contoso Classrooms".into(),
        ..change.clone()
    };
    assert!(matches!(
        s.update_partner(&w.admin, id, taken, today()).await,
        Err(StoreError::Conflict { .. })
    ));
    let nowhere = NewPartner {
        region_id: 9999,
        ..change.clone()
    };
    assert!(matches!(
        s.update_partner(&w.admin, id, nowhere, today()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.update_partner(&w.west_manager, id, change.clone(), today()).await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.update_partner(&w.partner_a, id, change.clone(), today()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.update_partner(&w.admin, 9999, change, today()).await,
        Err(StoreError::NotFound(_))
    ));
    // The program's currency changes only while no price is in another one.
    let mut euros = s.settings().await.unwrap();
    euros.currency = domain::Currency::parse("EUR").unwrap();
    match s.update_settings(&w.admin, euros, today()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "currency"),
        other => panic!("the currency changed under a USD price list: {other:?}"),
    }
}
