//! The demo knowledge base: a dozen everyday IT answers in English and Russian, mostly public,
//! one internal and one draft (so the visibility rules show on `scripts/up`), and two reply
//! templates.

use helpdesk_aws::Knowledge;
use helpdesk_core::knowledge::{ArticleInput, ArticleStatus, Translation, Visibility};

struct Demo {
    category: &'static str,
    visibility: Visibility,
    status: ArticleStatus,
    en: (&'static str, &'static str),
    ru: (&'static str, &'static str),
}

const fn public(category: &'static str, en: (&'static str, &'static str), ru: (&'static str, &'static str)) -> Demo {
    Demo { category, visibility: Visibility::Public, status: ArticleStatus::Published, en, ru }
}

const ARTICLES: &[Demo] = &[
    public(
        "Printing",
        (
            "The printer does not print",
            "If a job stays in the queue:\n\n1. Check the printer shows **Ready** and has paper and toner.\n2. Open *Settings → Printers*, select the printer and choose **Cancel all documents**.\n3. Turn the printer off and on, then print again.\n\nStill stuck? File a ticket under *Printer* with the printer's asset tag (on the sticker at the back).",
        ),
        (
            "Принтер не печатает",
            "Если задание висит в очереди:\n\n1. Проверьте, что на принтере горит **Готов**, есть бумага и тонер.\n2. Откройте *Параметры → Принтеры*, выберите принтер и нажмите **Отменить все документы**.\n3. Выключите и включите принтер, затем отправьте печать снова.\n\nНе помогло? Создайте заявку по теме *Принтер* и укажите инвентарный номер (наклейка на задней панели).",
        ),
    ),
    public(
        "Printing",
        (
            "Paper jam in the office printer",
            "Open the front door and the rear tray, pull the jammed sheet **slowly with both hands** in the direction of the paper path. Never use scissors or a knife. Close all doors; the printer resumes by itself.",
        ),
        (
            "Замятие бумаги в принтере",
            "Откройте переднюю крышку и задний лоток и **медленно, двумя руками** вытяните замятый лист по ходу движения бумаги. Не используйте ножницы и нож. Закройте все крышки — принтер продолжит печать сам.",
        ),
    ),
    public(
        "Accounts",
        (
            "Reset your password",
            "Go to the sign-in page and choose **Forgot password**. You get a link by e-mail that works for 30 minutes. A new password needs at least 10 characters. If your account is locked after too many attempts, wait 15 minutes or call the service desk.",
        ),
        (
            "Как сбросить пароль",
            "На странице входа нажмите **Забыли пароль**. На почту придёт ссылка, она действует 30 минут. Новый пароль — не короче 10 символов. Если учётная запись заблокирована после нескольких попыток, подождите 15 минут или позвоните в службу поддержки.",
        ),
    ),
    public(
        "Network",
        (
            "Connect to the VPN from home",
            "Install **GlobalProtect** from the company portal, enter the portal address `vpn.example.org` and sign in with your usual account. Approve the sign-in in the authenticator app. If it says *gateway unreachable*, check your home internet first and restart the app.",
        ),
        (
            "Подключение к VPN из дома",
            "Установите **GlobalProtect** с корпоративного портала, введите адрес портала `vpn.example.org` и войдите под обычной учётной записью. Подтвердите вход в приложении-аутентификаторе. Если пишет *gateway unreachable*, сначала проверьте домашний интернет и перезапустите приложение.",
        ),
    ),
    public(
        "Network",
        (
            "Wi-Fi for guests",
            "Guests connect to **Example-Guest**. The reception desk prints a voucher valid for one day. Company laptops use **Example-Corp** and connect by themselves.",
        ),
        (
            "Wi-Fi для гостей",
            "Гости подключаются к сети **Example-Guest**. На ресепшене печатают ваучер на один день. Рабочие ноутбуки используют **Example-Corp** и подключаются сами.",
        ),
    ),
    public(
        "E-mail",
        (
            "Set up company mail on your phone",
            "Install **Outlook** from the app store, add an account with your company address and approve the sign-in. The phone must have a screen lock; the app asks for it if missing.",
        ),
        (
            "Корпоративная почта на телефоне",
            "Установите **Outlook** из магазина приложений, добавьте учётную запись с рабочим адресом и подтвердите вход. На телефоне должна быть блокировка экрана — приложение попросит её включить.",
        ),
    ),
    public(
        "E-mail",
        (
            "Mailbox is full",
            "Empty **Deleted Items** and **Junk**, then archive old mail: *File → Tools → Mailbox cleanup*. Attachments over 10 MB are best shared as a link from OneDrive.",
        ),
        (
            "Почтовый ящик переполнен",
            "Очистите **Удалённые** и **Нежелательную почту**, затем заархивируйте старые письма: *Файл → Инструменты → Очистка почтового ящика*. Вложения больше 10 МБ лучше отправлять ссылкой из OneDrive.",
        ),
    ),
    public(
        "Hardware",
        (
            "Laptop does not charge",
            "Try another socket and check the charger's light. Remove the docking station and plug the charger straight into the laptop. If the battery icon shows *plugged in, not charging*, restart. Bring the laptop and charger to the service desk if nothing helps.",
        ),
        (
            "Ноутбук не заряжается",
            "Попробуйте другую розетку и проверьте индикатор зарядки. Отключите док-станцию и подключите зарядку прямо к ноутбуку. Если значок показывает *подключено, не заряжается*, перезагрузитесь. Если не помогло, принесите ноутбук с зарядкой в службу поддержки.",
        ),
    ),
    public(
        "Hardware",
        (
            "Second monitor shows nothing",
            "Check both ends of the cable and the monitor's input source. Press **Win + P** and choose *Extend*. Docking stations need their own power supply to drive two screens.",
        ),
        (
            "Второй монитор не показывает",
            "Проверьте кабель с обеих сторон и источник сигнала на мониторе. Нажмите **Win + P** и выберите *Расширить*. Док-станции нужен собственный блок питания, чтобы работали два экрана.",
        ),
    ),
    public(
        "Software",
        (
            "Install software from the company portal",
            "Open **Company Portal**, search for the program and choose *Install*. Programs not in the portal need a request under *Software* with the business reason; licences are approved by your manager.",
        ),
        (
            "Установка программ с корпоративного портала",
            "Откройте **Корпоративный портал**, найдите программу и нажмите *Установить*. Для программ, которых нет на портале, создайте заявку по теме *Программы* с обоснованием; лицензию согласует руководитель.",
        ),
    ),
    Demo {
        category: "Network",
        visibility: Visibility::Internal,
        status: ArticleStatus::Published,
        en: (
            "VPN gateway restart (agents)",
            "When many users report *gateway unreachable*: check the gateway's status page, then restart the service on `gw-1` with `systemctl restart gpgw`. Post a notice before, it drops every session.",
        ),
        ru: (
            "Перезапуск VPN-шлюза (для агентов)",
            "Когда многие сообщают *gateway unreachable*: проверьте страницу состояния шлюза, затем перезапустите службу на `gw-1` командой `systemctl restart gpgw`. Предупредите пользователей — все сессии оборвутся.",
        ),
    },
    Demo {
        category: "Accounts",
        visibility: Visibility::Public,
        status: ArticleStatus::Draft,
        en: ("Two-factor sign-in with a hardware key", "Draft: how to register a security key as a second factor."),
        ru: ("Двухфакторный вход с аппаратным ключом", "Черновик: как зарегистрировать ключ безопасности как второй фактор."),
    },
];

/// Two demo reply templates, in both languages.
fn reply_templates() -> Vec<helpdesk_core::templates::ReplyTemplate> {
    use helpdesk_core::text::LocalizedText;
    let template = |id: &str, name: [&str; 2], body: [&str; 2]| helpdesk_core::templates::ReplyTemplate {
        id: id.into(),
        name: LocalizedText::new(&[("en", name[0]), ("ru", name[1])]),
        bodies: LocalizedText::new(&[("en", body[0]), ("ru", body[1])]),
        version: 1,
    };
    vec![
        template(
            "looking-into-it",
            ["We are looking into it", "Разбираемся"],
            [
                "Hello {requester},\n\nthank you for {number}. We are looking into it and will write again today.\n\n{agent}",
                "Здравствуйте, {requester}!\n\nСпасибо за заявку {number}. Мы разбираемся и сегодня напишем снова.\n\n{agent}",
            ],
        ),
        template(
            "resolved-please-confirm",
            ["Resolved: please confirm", "Решено: подтвердите"],
            [
                "Hello {requester},\n\nwe believe \"{subject}\" is fixed. If it is not, just reply and the ticket reopens.\n\n{agent}",
                "Здравствуйте, {requester}!\n\nПохоже, «{subject}» решено. Если нет — просто ответьте, и заявка откроется снова.\n\n{agent}",
            ],
        ),
    ]
}

/// Writes the demo articles unless the knowledge base has any.
pub async fn seed<S: Knowledge>(store: &S) -> Result<(), String> {
    if store.reply_templates().await.map_err(|e| e.to_string())?.is_empty() {
        for template in reply_templates() {
            store.put_reply_template(&template).await.map_err(|e| format!("reply template {}: {e}", template.id))?;
        }
    }
    if !store.list_articles(None, 1).await.map_err(|e| e.to_string())?.items.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    for demo in ARTICLES {
        let translation = |(title, body): (&str, &str)| Translation { title: title.into(), body: body.into() };
        let input = ArticleInput {
            category: demo.category.into(),
            visibility: demo.visibility,
            status: demo.status,
            translations: [("en".to_string(), translation(demo.en)), ("ru".to_string(), translation(demo.ru))].into(),
            version: None,
        };
        let problems = input.problems();
        if !problems.is_empty() {
            return Err(format!("demo article {}: {problems:?}", demo.en.0));
        }
        let article = input.into_article(&helpdesk_aws::new_id(), "admin", now);
        store.save_article(&article, &helpdesk_aws::new_id(), &[]).await.map_err(|e| format!("article {}: {e}", demo.en.0))?;
    }
    tracing::info!(articles = ARTICLES.len(), "demo data: knowledge base");
    Ok(())
}
