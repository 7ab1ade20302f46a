//! What every page shows around its content: title, the main navigation and the CSRF token.

use crate::ui::access::WebUser;
use domain::Actor;
use domain::access::can_administer;
use domain::leads::policy::can_enter_leads;
use domain::opportunities::policy::can_open_for_the_company;
use domain::orders::policy::{can_enter_orders, can_enter_orders_for_any_partner};
use domain::registrations::policy::{can_decide_registrations, can_submit, follows_registrations};

/// Partners see the leads offered to them; the channel team and sales every lead.
fn follows_leads(actor: &Actor) -> bool {
    actor.role.is_partner() || can_enter_leads(actor)
}

/// Who sees a link of the main navigation.
type Visible = fn(&Actor) -> bool;

/// The main navigation, in this order for everyone: each link shows to those the domain's policy
/// lets use its page.
const NAV: &[(&str, &str, Visible)] = &[
    ("/", "Dashboard", |_| true),
    ("/registrations/new", "Register a deal", |a| can_submit(a).is_some()),
    ("/queue", "Approval queue", can_decide_registrations),
    ("/registrations", "Registrations", follows_registrations),
    ("/opportunities", "Opportunities", sells),
    ("/major-accounts", "Major accounts", sells),
    ("/orders/new", "Enter a PO", can_enter_orders_for_any_partner),
    ("/orders", "Orders", can_enter_orders),
    ("/leads", "Leads", follows_leads),
    ("/invoices", "Invoices", follows_invoices),
    (
        "/commissions",
        "Commissions",
        crate::ui::commissions::follows_commissions,
    ),
    ("/products", "Price list", |_| true),
    ("/reports", "Charts", follows_registrations),
    ("/admin/partners", "Admin", can_administer),
    ("/notifications", "Notifications", |_| true),
];

/// Those whose work is selling: the pipeline's staff and the partners (order entry and finance read an
/// opportunity from its orders).
fn sells(actor: &Actor) -> bool {
    actor.role.is_partner() || can_open_for_the_company(actor.role) || actor.role == domain::Role::Finance
}

/// Those who earn on invoices or keep them: partners, finance and administrators.
fn follows_invoices(actor: &Actor) -> bool {
    actor.role.is_partner() || domain::invoices::policy::can_keep_invoices(actor)
}

/// What every page shows around its content: title, navigation for the viewer's role, and the
/// CSRF token its forms (and htmx, by header) send back.
pub struct Chrome {
    pub title: String,
    pub csrf: String,
    pub user_name: Option<String>,
    pub role: String,
    pub nav: Vec<NavLink>,
    /// The viewer's unread notifications.
    pub unread: i64,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// Unread notifications, beside "Notifications"; 0 elsewhere.
    pub unread: i64,
}

/// The link whose label carries the viewer's unread count.
const NOTIFICATIONS: &str = "/notifications";

impl Chrome {
    pub fn anonymous(csrf: String, title: &str) -> Chrome {
        Chrome {
            title: title.to_owned(),
            csrf,
            user_name: None,
            role: String::new(),
            nav: Vec::new(),
            unread: 0,
        }
    }

    /// `unread`: the viewer's unread notifications (`JobStore::count_unread_notifications`).
    pub fn signed_in(user: &WebUser, csrf: String, path: &str, unread: i64) -> Chrome {
        let actor = user.actor();
        let links: Vec<(&'static str, &'static str)> = NAV
            .iter()
            .filter(|(_, _, visible)| visible(&actor))
            .map(|&(href, label, _)| (href, label))
            .collect();
        let matches = |href: &str| match href {
            "/" => path == "/",
            _ => path == href || path.starts_with(&format!("{href}/")),
        };
        let current = links
            .iter()
            .map(|(href, _)| *href)
            .filter(|h| matches(h))
            .max_by_key(|h| h.len());
        Chrome {
            title: String::new(),
            csrf,
            user_name: Some(user.name.clone()),
            role: user.role.label().into_owned(),
            nav: links
                .into_iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    current: Some(href) == current,
                    unread: if href == NOTIFICATIONS { unread } else { 0 },
                })
                .collect(),
            unread,
        }
    }

    pub fn titled(mut self, title: impl Into<String>) -> Chrome {
        self.title = title.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Role;

    fn links(role: Role) -> Vec<&'static str> {
        let actor = Actor {
            user_id: 1,
            email: "someone@example.com".into(),
            role,
            partner_id: role.is_partner().then_some(1),
        };
        NAV.iter()
            .filter(|(_, _, visible)| visible(&actor))
            .map(|(href, _, _)| *href)
            .collect()
    }

    #[test]
    fn each_role_sees_the_links_of_its_work() {
        let (dashboard, products, notifications) = ("/", "/products", "/notifications");
        assert_eq!(
            links(Role::PartnerUser),
            [
                dashboard,
                "/registrations/new",
                "/registrations",
                "/opportunities",
                "/major-accounts",
                "/orders",
                "/leads",
                "/invoices",
                "/commissions",
                products,
                "/reports",
                notifications
            ]
        );
        assert_eq!(links(Role::PartnerAdmin), links(Role::PartnerUser));
        assert_eq!(
            links(Role::ChannelManager),
            [
                dashboard,
                "/queue",
                "/registrations",
                "/opportunities",
                "/major-accounts",
                "/leads",
                "/commissions",
                products,
                "/reports",
                notifications
            ]
        );
        assert_eq!(
            links(Role::OrderEntry),
            [dashboard, "/orders/new", "/orders", products, notifications]
        );
        assert_eq!(
            links(Role::Admin),
            [
                dashboard,
                "/queue",
                "/registrations",
                "/opportunities",
                "/major-accounts",
                "/orders/new",
                "/orders",
                "/leads",
                "/invoices",
                "/commissions",
                products,
                "/reports",
                "/admin/partners",
                notifications
            ]
        );
        assert_eq!(
            links(Role::Sales),
            [
                dashboard,
                "/registrations",
                "/opportunities",
                "/major-accounts",
                "/leads",
                products,
                "/reports",
                notifications
            ]
        );
        let finance_and_sales_management = |invoices: &[&'static str]| {
            [
                &[dashboard, "/registrations", "/opportunities", "/major-accounts"][..],
                invoices,
                &[products, "/reports", notifications],
            ]
            .concat()
        };
        assert_eq!(
            links(Role::Finance),
            finance_and_sales_management(&["/invoices", "/commissions"])
        );
        assert_eq!(
            links(Role::SalesManager),
            finance_and_sales_management(&["/commissions"])
        );
    }
}
