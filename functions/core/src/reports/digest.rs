//! The weekly report mail: last week's figures beside the week before's, the agents who resolved
//! the most, the topics that brought the most tickets and the equipment with the most SLA
//! breaches, for one reader's groups. The notify function mails it on Monday morning.

use super::{BucketKey, Counters, Dimension, NONE, ReportLine, ReportQuery, ReportSort, lines, summary};
use crate::messages::{duration, plural, text};
use crate::notify::render::{Rendered, escape};
use crate::sla::TargetKind;
use crate::user::Language;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;

/// The dimensions the digest reads; the totals come from the group dimension, where each
/// ticket counts once.
pub const DIMENSIONS: [Dimension; 4] = [Dimension::Group, Dimension::Agent, Dimension::Topic, Dimension::Asset];
/// How many lines each list shows.
pub const TOP_AGENTS: usize = 5;
pub const TOP_TOPICS: usize = 5;
pub const TOP_ASSETS: usize = 3;

/// The Monday-to-Sunday week before the one `now` falls in, in the report time zone.
pub fn last_week(now: DateTime<Utc>, zone: Tz) -> (NaiveDate, NaiveDate) {
    let today = now.with_timezone(&zone).date_naive();
    let this_monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    (this_monday - Days::new(7), this_monday - Days::new(1))
}

/// One reader's weekly figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// Monday and Sunday of the week told of.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The report time zone's IANA name: the days are days there.
    pub time_zone: String,
    pub week: ReportLine,
    pub week_before: ReportLine,
    /// The most resolutions first.
    pub agents: Vec<ReportLine>,
    /// The most tickets created first.
    pub topics: Vec<ReportLine>,
    /// Only equipment with breaches, the most first.
    pub assets: Vec<ReportLine>,
}

/// The digest of the week starting `from` for a reader of the groups `within` (empty: all), out
/// of buckets of any dimension that cover that week and the one before.
pub fn digest(from: NaiveDate, time_zone: &str, within: &[String], buckets: &[(BucketKey, Counters)]) -> Digest {
    let to = from + Days::new(6);
    let query = |dimension, from, to| ReportQuery { within: within.to_vec(), ..ReportQuery::new(dimension, from, to) };
    let pairs = || buckets.iter().map(|(k, c)| (k, c));
    let before = from - Days::new(7);
    let top = |dimension, sort, limit| {
        let mut q = query(dimension, from, to);
        q.sort = sort;
        lines(&q, pairs()).into_iter().take(limit).collect::<Vec<_>>()
    };
    let mut agents = top(Dimension::Agent, ReportSort::Volume, usize::MAX);
    agents.retain(|l| l.resolved > 0 && l.value != NONE);
    agents.sort_by(|a, b| b.resolved.cmp(&a.resolved).then_with(|| a.value.cmp(&b.value)));
    agents.truncate(TOP_AGENTS);
    let mut topics = top(Dimension::Topic, ReportSort::Volume, usize::MAX);
    topics.retain(|l| l.created > 0);
    topics.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.value.cmp(&b.value)));
    topics.truncate(TOP_TOPICS);
    let mut assets = top(Dimension::Asset, ReportSort::Breaches, TOP_ASSETS);
    assets.retain(|l| breaches(l) > 0);
    Digest {
        from,
        to,
        time_zone: time_zone.to_string(),
        week: summary(&query(Dimension::Group, from, to), pairs()),
        week_before: summary(&query(Dimension::Group, before, before + Days::new(6)), pairs()),
        agents,
        topics,
        assets,
    }
}

fn breaches(line: &ReportLine) -> i64 {
    line.breaches.values().sum()
}

/// Where the mail points: the reports page for the week, the reader's notification settings.
pub struct DigestLinks<'a> {
    pub reports: &'a str,
    pub settings: &'a str,
}

/// The mail in the reader's language. `name` says what a line's value is called (an agent's
/// name, a topic's name in that language).
pub fn render(language: Language, digest: &Digest, name: &dyn Fn(Dimension, &str) -> String, links: &DigestLinks<'_>) -> Rendered {
    let t = |key: &str| text(language, key);
    let range = format!("{} – {}", digest.from, digest.to);
    let subject = t("digest.subject").replace("{range}", &range);
    let (week, before) = (&digest.week, &digest.week_before);
    let minutes = |m: Option<i64>| m.map(|m| duration(language, m * 60)).unwrap_or_else(|| "—".into());
    let percent = |x: Option<f64>| x.map(|x| format!("{:.0} %", x * 100.0)).unwrap_or_else(|| "—".into());
    let mut figures: Vec<(String, String, String)> = vec![
        (t("reports.created").into(), week.created.to_string(), before.created.to_string()),
        (t("reports.resolved").into(), week.resolved.to_string(), before.resolved.to_string()),
        (t("reports.reopened").into(), week.reopened.to_string(), before.reopened.to_string()),
        (
            t("reports.first_response_median").into(),
            minutes(week.first_response_median_minutes),
            minutes(before.first_response_median_minutes),
        ),
        (t("reports.resolution_median").into(), minutes(week.resolution_median_minutes), minutes(before.resolution_median_minutes)),
    ];
    let targets: std::collections::BTreeSet<TargetKind> = week.compliance.keys().chain(before.compliance.keys()).copied().collect();
    for target in targets {
        let (now, then) = (week.compliance.get(&target).copied(), before.compliance.get(&target).copied());
        let label = format!("{} ({})", t("digest.compliance"), t(&format!("sla.{}", crate::wire_name(&target))).to_lowercase());
        figures.push((label, percent(now), percent(then)));
    }
    let rated = week.rated_good + week.rated_bad;
    let satisfaction = match week.satisfaction {
        Some(s) => format!("{} ({})", percent(Some(s)), plural(language, "digest.ratings", rated as u64)),
        None => "—".into(),
    };
    figures.push((t("reports.satisfaction").into(), satisfaction, percent(before.satisfaction)));

    let with_breaches = |mut line: String, l: &ReportLine| {
        if breaches(l) > 0 {
            line.push_str(&format!(", {}", plural(language, "digest.breaches", breaches(l) as u64)));
        }
        line
    };
    let agent_line = |l: &ReportLine| {
        let line = t("digest.agent_line")
            .replace("{name}", &name(Dimension::Agent, &l.value))
            .replace("{resolved}", &l.resolved.to_string())
            .replace("{time}", &minutes(l.resolution_median_minutes));
        with_breaches(line, l)
    };
    let topic_line = |l: &ReportLine| {
        let line = t("digest.topic_line").replace("{name}", &name(Dimension::Topic, &l.value)).replace("{created}", &l.created.to_string());
        with_breaches(line, l)
    };
    let asset_line = |l: &ReportLine| {
        t("digest.asset_line")
            .replace("{name}", &name(Dimension::Asset, &l.value))
            .replace("{breaches}", &plural(language, "digest.breaches", breaches(l) as u64))
            .replace("{created}", &l.created.to_string())
    };
    let lists: [(&str, Vec<String>); 3] = [
        ("digest.agents", digest.agents.iter().map(agent_line).collect()),
        ("digest.topics", digest.topics.iter().map(topic_line).collect()),
        ("digest.assets", digest.assets.iter().map(asset_line).collect()),
    ];

    let intro = t("digest.intro").replace("{zone}", &digest.time_zone);
    let quiet = week.created == 0 && week.resolved == 0;
    let mut body = format!("{subject}\n\n{intro}\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><body style=\"font-family:sans-serif\"><h2>{}</h2><p>{}</p>",
        crate::messages::language_code(language),
        escape(&subject),
        escape(&intro)
    );
    if quiet {
        body.push_str(&format!("{}\n\n", t("digest.nothing")));
        html.push_str(&format!("<p>{}</p>", escape(t("digest.nothing"))));
    }
    html.push_str(&format!(
        "<table style=\"border-collapse:collapse\"><thead><tr><th></th><th style=\"text-align:right;padding:2px 8px\">{}</th>\
         <th style=\"text-align:right;padding:2px 8px;color:#666\">{}</th></tr></thead><tbody>",
        escape(t("digest.last_week")),
        escape(t("digest.week_before"))
    ));
    for (label, now, then) in &figures {
        body.push_str(&format!("{label}: {now} ({})\n", t("digest.before").replace("{value}", then)));
        html.push_str(&format!(
            "<tr><th style=\"text-align:left;padding:2px 8px\">{}</th><td style=\"text-align:right;padding:2px 8px\">{}</td>\
             <td style=\"text-align:right;padding:2px 8px;color:#666\">{}</td></tr>",
            escape(label),
            escape(now),
            escape(then)
        ));
    }
    html.push_str("</tbody></table>");
    for (heading, items) in lists.iter().filter(|(_, items)| !items.is_empty()) {
        body.push_str(&format!("\n{}\n", t(heading)));
        html.push_str(&format!("<h3>{}</h3><ul>", escape(t(heading))));
        for item in items {
            body.push_str(&format!("  {item}\n"));
            html.push_str(&format!("<li>{}</li>", escape(item)));
        }
        html.push_str("</ul>");
    }
    let (open, settings) = (t("digest.open"), t("notify.settings"));
    body.push_str(&format!("\n{open}: {}\n\n-- \n{settings}: {}\n", links.reports, links.settings));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p><hr><p style=\"color:#666;font-size:small\"><a href=\"{}\">{}</a></p></body></html>",
        escape(links.reports),
        escape(open),
        escape(links.settings),
        escape(settings)
    ));
    let short = format!("{subject}: {} {}, {} {}", t("reports.created"), week.created, t("reports.resolved"), week.resolved);
    Rendered { subject, preview: short.clone(), text: body, html, short }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn bucket(dimension: Dimension, d: u32, group: &str, value: &str, counters: Counters) -> (BucketKey, Counters) {
        (BucketKey { dimension, day: day(d), group: group.into(), topic: "printer".into(), value: value.into() }, counters)
    }

    fn counters(created: i64, resolved: i64, resolution_minutes: &[i64], breached: i64) -> Counters {
        let mut c = Counters { created, resolved, ..Counters::default() };
        for m in resolution_minutes {
            c.resolution.add(*m);
        }
        if breached > 0 {
            c.breaches.insert(TargetKind::Resolution, breached);
        }
        c.met.insert(TargetKind::Resolution, resolved - breached);
        c
    }

    #[test]
    fn last_week_is_monday_to_sunday_before_this_one_in_the_report_zone() {
        let zone: Tz = "Europe/Moscow".parse().unwrap();
        // Monday 30 Nov 2026, 05:00 in Moscow (02:00 UTC): last week is 23–29 Nov.
        assert_eq!(last_week(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap(), zone), (day(23), day(29)));
        // Sunday 29 Nov 22:00 UTC is already Monday in Moscow.
        assert_eq!(last_week(Utc.with_ymd_and_hms(2026, 11, 29, 22, 0, 0).unwrap(), zone), (day(23), day(29)));
        // …but still Sunday in UTC: the week before.
        assert_eq!(last_week(Utc.with_ymd_and_hms(2026, 11, 29, 22, 0, 0).unwrap(), Tz::UTC), (day(16), day(22)));
    }

    fn history() -> Vec<(BucketKey, Counters)> {
        vec![
            // Last week (16–22 Nov): service desk 3 created, 2 resolved (one breached); network 1 and 1.
            bucket(Dimension::Group, 16, "service-desk", "service-desk", counters(3, 2, &[60, 180], 1)),
            bucket(Dimension::Group, 18, "network", "network", counters(1, 1, &[30], 0)),
            bucket(Dimension::Agent, 16, "service-desk", "ivan", counters(0, 2, &[60, 180], 1)),
            bucket(Dimension::Agent, 18, "network", "olga", counters(0, 1, &[30], 0)),
            bucket(Dimension::Agent, 16, "service-desk", NONE, counters(3, 0, &[], 0)),
            bucket(Dimension::Asset, 16, "service-desk", "PC-7", counters(1, 1, &[180], 1)),
            bucket(Dimension::Asset, 18, "network", "SW-1", counters(1, 1, &[30], 0)),
            // The week before (9–15 Nov), and a day outside both weeks.
            bucket(Dimension::Group, 10, "service-desk", "service-desk", counters(5, 4, &[60, 60, 60, 60], 0)),
            bucket(Dimension::Group, 23, "service-desk", "service-desk", counters(9, 9, &[1], 0)),
        ]
    }

    #[test]
    fn a_digest_counts_the_week_beside_the_week_before_within_the_readers_groups() {
        let d = digest(day(16), "UTC", &[], &history());
        assert_eq!((d.from, d.to), (day(16), day(22)));
        assert_eq!((d.week.created, d.week.resolved), (4, 3));
        assert_eq!((d.week_before.created, d.week_before.resolved), (5, 4));
        assert_eq!(d.week.compliance.get(&TargetKind::Resolution), Some(&(2.0 / 3.0)));
        let agents: Vec<(&str, i64)> = d.agents.iter().map(|l| (l.value.as_str(), l.resolved)).collect();
        assert_eq!(agents, [("ivan", 2), ("olga", 1)], "the most resolved first, nobody for the unassigned");
        let assets: Vec<&str> = d.assets.iter().map(|l| l.value.as_str()).collect();
        assert_eq!(assets, ["PC-7"], "only equipment with breaches");

        let lead = digest(day(16), "UTC", &["network".to_string()], &history());
        assert_eq!((lead.week.created, lead.week.resolved, lead.week_before.created), (1, 1, 0));
        assert_eq!(lead.agents.len(), 1);
        assert!(lead.assets.is_empty());
    }

    #[test]
    fn the_mail_reads_in_the_readers_language_with_both_weeks() {
        let d = digest(day(16), "Europe/Moscow", &[], &history());
        let name = |dimension: Dimension, value: &str| match (dimension, value) {
            (Dimension::Agent, "ivan") => "Иван Петров".to_string(),
            (_, v) => v.to_string(),
        };
        let links = DigestLinks {
            reports: "https://help.example.com/reports?from=2026-11-16&to=2026-11-22",
            settings: "https://help.example.com/settings",
        };
        let en = render(Language::En, &d, &name, &links);
        assert_eq!(en.subject, "Helpdesk weekly report, 2026-11-16 – 2026-11-22");
        assert!(en.text.contains("Created: 4 (week before: 5)"), "{}", en.text);
        let median = |line: &ReportLine| duration(Language::En, line.resolution_median_minutes.unwrap() * 60);
        let resolution = format!("Resolution, median: {} (week before: {})", median(&d.week), median(&d.week_before));
        assert!(en.text.contains(&resolution), "{}", en.text);
        assert!(en.text.contains("SLA met in time (resolution): 67 % (week before: 100 %)"), "{}", en.text);
        let ivan = format!("Иван Петров: 2 resolved, median time to resolve {}, 1 SLA breach", median(&d.agents[0]));
        assert!(en.text.contains(&ivan), "{}", en.text);
        assert!(en.text.contains("PC-7: 1 SLA breach, 1 new"), "{}", en.text);
        assert!(en.text.contains("Europe/Moscow") && en.text.contains(links.reports) && en.html.contains("<table"), "{}", en.text);
        let ru = render(Language::Ru, &d, &name, &links);
        assert!(ru.subject.starts_with("Еженедельный отчёт"), "{}", ru.subject);
        assert!(ru.text.contains("PC-7: 1 нарушение SLA"), "{}", ru.text);

        let quiet = digest(day(2), "UTC", &[], &history());
        assert!(render(Language::En, &quiet, &name, &links).text.contains("No tickets were created or resolved"));
    }
}
