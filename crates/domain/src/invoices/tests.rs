use super::input::*;
use super::*;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn balance(total: i64, credited: i64, paid: i64) -> Balance {
    Balance {
        currency: usd(),
        total,
        credited,
        paid,
    }
}

#[test]
fn an_invoice_is_paid_when_payments_cover_what_credit_notes_left() {
    // 12,000.00 invoiced: 5,000.00 paid leaves it issued; 7,000.00 more pays it.
    assert_eq!(balance(1_200_000, 0, 500_000).status(), InvoiceStatus::Issued);
    assert_eq!(balance(1_200_000, 0, 500_000).open(), 700_000);
    assert_eq!(balance(1_200_000, 0, 1_200_000).status(), InvoiceStatus::Paid);
    // 2,000.00 credited: 10,000.00 pays it.
    assert_eq!(balance(1_200_000, 200_000, 1_000_000).status(), InvoiceStatus::Paid);
    // Credited whole before any payment: nothing owed, nothing earned.
    assert_eq!(balance(1_200_000, 1_200_000, 0).status(), InvoiceStatus::Credited);
    // Paid, then credited whole: paid still (the refund is the credit note's business).
    assert_eq!(balance(1_200_000, 1_200_000, 1_200_000).status(), InvoiceStatus::Paid);
}

#[test]
fn issuing_earns_nothing_and_payments_stay_within_what_is_open() {
    assert!(check_issue(InvoiceStatus::Draft).is_ok());
    assert!(check_issue(InvoiceStatus::Issued).is_err());
    let half_paid = balance(1_200_000, 0, 600_000);
    assert!(check_payment(InvoiceStatus::Issued, &half_paid, 600_000).is_ok());
    assert_eq!(
        check_payment(InvoiceStatus::Issued, &half_paid, 600_001),
        Err("is more than the 6,000.00 USD still open on the invoice".into())
    );
    assert_eq!(
        check_payment(InvoiceStatus::Draft, &half_paid, 1),
        Err("issue the invoice before recording a payment".into())
    );
    assert!(check_payment(InvoiceStatus::Paid, &half_paid, 1).is_err());
    assert!(check_payment(InvoiceStatus::Cancelled, &half_paid, 1).is_err());
}

#[test]
fn credit_notes_take_back_at_most_what_a_line_has_left() {
    let paid = balance(1_000_000, 250_000, 750_000);
    let line = CreditRoom {
        amount: 400_000,
        credited: 250_000,
    };
    assert!(check_credit(&paid, line, 150_000).is_ok());
    assert_eq!(
        check_credit(&paid, line, 150_001),
        Err("is more than the 1,500.00 USD left on this line".into())
    );
    assert!(check_creditable(InvoiceStatus::Paid).is_ok() && check_creditable(InvoiceStatus::Issued).is_ok());
    for status in [InvoiceStatus::Draft, InvoiceStatus::Credited, InvoiceStatus::Cancelled] {
        assert!(check_creditable(status).is_err());
    }
}

#[test]
fn only_an_unpaid_invoice_is_cancelled() {
    assert!(check_cancel(InvoiceStatus::Draft, &balance(100, 0, 0)).is_ok());
    assert!(check_cancel(InvoiceStatus::Issued, &balance(100, 0, 0)).is_ok());
    assert_eq!(
        check_cancel(InvoiceStatus::Issued, &balance(100, 0, 40)),
        Err("payments were received on it: credit it instead".into())
    );
    assert!(check_cancel(InvoiceStatus::Paid, &balance(100, 0, 100)).is_err());
}

#[test]
fn an_invoice_names_each_bad_field() {
    let input = InvoiceInput {
        number: Some(" ".into()),
        currency: Some("usd".into()),
        lines: Some(vec![InvoiceLineInput {
            sku: Some("mb-100".into()),
            quantity: Some(0),
            amount_minor: Some(-1),
            ..InvoiceLineInput::default()
        }]),
        ..InvoiceInput::default()
    };
    let fields: Vec<String> = parse_invoice(&input)
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "number",
            "currency",
            "partner_id",
            "lines[0].quantity",
            "lines[0].amount_minor"
        ]
    );
    let good = InvoiceInput {
        number: Some("INV-2026-0042".into()),
        order_id: Some(7),
        currency: Some("USD".into()),
        lines: Some(vec![InvoiceLineInput {
            sku: Some("mb-100".into()),
            quantity: Some(20),
            amount_minor: Some(4_200_000),
            cost_minor: Some(2_940_000),
            description: None,
        }]),
        ..InvoiceInput::default()
    };
    let invoice = parse_invoice(&good).unwrap();
    assert_eq!(invoice.lines[0].sku, "MB-100");
    assert_eq!(
        (invoice.lines[0].amount_minor, invoice.lines[0].cost_minor),
        (4_200_000, 2_940_000)
    );
}

#[test]
fn payments_and_credit_notes_need_their_external_id_and_date() {
    let missing = parse_payment(&PaymentInput::default()).unwrap_err();
    let fields: Vec<&str> = missing.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["external_id", "amount_minor", "paid_on"]);
    let payment = parse_payment(&PaymentInput {
        external_id: Some("BANK-77".into()),
        amount_minor: Some(600_000),
        paid_on: Some("2026-03-31".into()),
    })
    .unwrap();
    assert_eq!(payment.paid_on, jiff::civil::date(2026, 3, 31));
    let twice = parse_credit_note(&CreditNoteInput {
        external_id: Some("CN-1".into()),
        credited_on: Some("2026-04-03".into()),
        lines: Some(vec![
            CreditLineInput {
                line_no: Some(1),
                amount_minor: Some(100),
            },
            CreditLineInput {
                line_no: Some(1),
                amount_minor: Some(100),
            },
        ]),
    })
    .unwrap_err();
    assert_eq!(twice.0[0].field, "lines[1].line_no");
}
