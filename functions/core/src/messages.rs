//! The UI's message catalogue: every string people see in the web app, in English and Russian,
//! with plural rules. Keys are dotted names (`nav.queue`, `status.waiting`); the wire names of
//! statuses, priorities and error codes are part of their keys, so a new variant needs a new
//! entry (the tests check that every variant has one).
//!
//! A counted phrase has one entry per plural category of the language (`list.count.one`,
//! `list.count.few`, …) and `{n}` where the number goes.

use crate::user::Language;

/// The ISO code of a language: `en`, `ru`.
pub fn language_code(language: Language) -> &'static str {
    match language {
        Language::En => "en",
        Language::Ru => "ru",
    }
}

/// The language an ISO code names, if it is one of ours.
pub fn language_from_code(code: &str) -> Option<Language> {
    Language::ALL.into_iter().find(|l| language_code(*l) == code)
}

/// A language's name in itself, as language pickers show it whatever the UI's language.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::Ru => "Русский",
    }
}

fn catalogue(language: Language) -> &'static [(&'static str, &'static str)] {
    match language {
        Language::En => EN,
        Language::Ru => RU,
    }
}

/// The text of `key`, falling back to English; empty for an unknown key (the tests keep the
/// catalogues complete, so that never shows).
pub fn text(language: Language, key: &str) -> &'static str {
    let find = |lang| catalogue(lang).iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    find(language).or_else(|| find(Language::En)).unwrap_or("")
}

/// The plural category of `n` in the language (CLDR rules for whole numbers).
pub fn plural_category(language: Language, n: u64) -> &'static str {
    match language {
        Language::En => {
            if n == 1 {
                "one"
            } else {
                "other"
            }
        }
        Language::Ru => match (n % 10, n % 100) {
            (1, m) if m != 11 => "one",
            (2..=4, m) if !(12..=14).contains(&m) => "few",
            _ => "many",
        },
    }
}

/// The categories the catalogue must give each counted phrase in the language.
pub fn plural_categories(language: Language) -> &'static [&'static str] {
    match language {
        Language::En => &["one", "other"],
        Language::Ru => &["one", "few", "many"],
    }
}

/// A counted phrase: `plural(Ru, "list.count", 3)` → "3 заявки".
pub fn plural(language: Language, key: &str, n: u64) -> String {
    let form = text(language, &format!("{key}.{}", plural_category(language, n)));
    form.replace("{n}", &n.to_string())
}

const EN: &[(&str, &str)] = &[
    ("app.name", "IT Helpdesk"),
    ("locale", "en-GB"),
    ("nav.skip", "Skip to content"),
    ("nav.label", "Main"),
    ("nav.queue", "Queue"),
    ("nav.log_call", "Log a call"),
    ("nav.my_tickets", "My tickets"),
    ("nav.new_ticket", "New ticket"),
    ("nav.topics", "Topics"),
    ("nav.users", "Users"),
    ("nav.groups", "Groups"),
    ("nav.sign_out", "Sign out"),
    ("nav.language", "Language"),
    ("common.loading", "Loading…"),
    ("common.retry", "Try again"),
    ("common.save", "Save"),
    ("common.yes", "Yes"),
    ("common.no", "No"),
    ("common.not_found", "This page does not exist."),
    ("login.title", "Sign in"),
    ("login.username", "User name"),
    ("login.password", "Password"),
    ("login.submit", "Sign in"),
    ("session.ended", "Your session has ended. What you typed is kept: sign in again to continue."),
    ("session.sign_in", "Sign in again"),
    ("my.title", "My tickets"),
    ("list.empty", "No tickets here."),
    ("list.count.one", "{n} ticket on this page"),
    ("list.count.other", "{n} tickets on this page"),
    ("list.previous", "Previous page"),
    ("list.next", "Next page"),
    ("list.sort", "Sort by"),
    ("sort.updated", "Last change"),
    ("sort.created", "Newest"),
    ("sort.priority", "Priority"),
    ("sort.status", "Status"),
    ("queue.title", "Queue"),
    ("queue.view", "Queue"),
    ("queue.all", "All queues"),
    ("queue.mine", "Assigned to me"),
    ("queue.unassigned", "Unassigned"),
    ("queue.any", "Any"),
    ("queue.me", "Me"),
    ("new.title", "New ticket"),
    ("new.submit", "Submit ticket"),
    ("call.title", "Log a call"),
    ("call.caller", "Caller"),
    ("call.find_caller", "Find the caller (name or id)"),
    ("call.no_match", "Nobody matches; try another name."),
    ("call.submit", "Log the call"),
    ("call.logged", "{number} was logged and sent to the {group} queue."),
    ("form.choose", "Choose…"),
    ("form.fix_marked", "Please correct the marked fields."),
    ("ticket.number", "Number"),
    ("ticket.subject", "Subject"),
    ("ticket.description", "Description"),
    ("ticket.status", "Status"),
    ("ticket.priority", "Priority"),
    ("ticket.topic", "Topic"),
    ("ticket.requester", "Requester"),
    ("ticket.assignee", "Assignee"),
    ("ticket.group", "Group"),
    ("ticket.channel", "Channel"),
    ("ticket.created", "Created"),
    ("ticket.updated", "Updated"),
    ("ticket.internal_note", "Internal note"),
    ("ticket.conflict", "Someone changed this ticket meanwhile. Reload to see the latest version, then make your change again."),
    ("ticket.reload", "Reload"),
    ("ticket.change", "Change"),
    ("ticket.fields", "Form fields"),
    ("ticket.save_fields", "Save fields"),
    ("reply.kind", "Kind of message"),
    ("reply.public", "Public reply"),
    ("reply.internal", "Internal note"),
    ("reply.label", "Your reply"),
    ("reply.note_label", "Internal note (agents only)"),
    ("reply.send", "Send reply"),
    ("reply.add_note", "Add note"),
    ("action.take", "Assign to me"),
    ("action.reopened", "Reopen"),
    ("action.closed", "Close"),
    ("action.resolved", "Mark resolved"),
    ("action.new", "New"),
    ("action.open", "Open"),
    ("action.waiting", "Wait for requester"),
    ("status.new", "New"),
    ("status.open", "Open"),
    ("status.waiting", "Waiting for requester"),
    ("status.resolved", "Resolved"),
    ("status.closed", "Closed"),
    ("status.reopened", "Reopened"),
    ("priority.low", "Low"),
    ("priority.medium", "Medium"),
    ("priority.high", "High"),
    ("priority.urgent", "Urgent"),
    ("channel.web", "web"),
    ("channel.email", "email"),
    ("channel.phone", "phone"),
    ("channel.api", "API"),
    ("event.created", "Ticket created"),
    ("event.status", "Status"),
    ("event.assignee", "Assignee"),
    ("event.group", "Group"),
    ("event.priority", "Priority"),
    ("event.fields", "Fields changed"),
    ("event.sla_warning", "SLA warning"),
    ("event.sla_breached", "SLA breached"),
    ("event.nobody", "nobody"),
    ("sla.title", "Service level"),
    ("sla.first_response", "First response"),
    ("sla.next_response", "Next response"),
    ("sla.resolution", "Resolution"),
    ("sla.deadline", "Deadline"),
    ("sla.due", "due"),
    ("sla.paused", "Paused while waiting for the requester"),
    ("clock.running", "running"),
    ("clock.paused", "paused"),
    ("clock.met", "met"),
    ("clock.breached", "breached"),
    ("unit.day", "d"),
    ("unit.hour", "h"),
    ("unit.minute", "min"),
    ("unit.kb", "KB"),
    ("unit.mb", "MB"),
    ("upload.title", "Attachments"),
    ("upload.hint", "Paste a screenshot (Ctrl+V) or drop files here: up to {n} files of {mb} MB each."),
    ("upload.choose", "Attach files"),
    ("upload.camera", "Take a photo or video"),
    ("upload.record", "Record the screen"),
    ("upload.recording", "Recording"),
    ("upload.stop", "Stop recording"),
    ("upload.record_failed", "The screen could not be recorded in this browser."),
    ("upload.remove", "Remove"),
    ("upload.sending", "Uploading…"),
    ("upload.checking", "Checking…"),
    ("upload.ready", "Ready"),
    ("upload.too_large", "This file is larger than {mb} MB."),
    ("upload.empty", "This file is empty."),
    ("upload.type", "Files of this type cannot be attached. Allowed: images, video, PDF, text and logs, office documents, archives."),
    ("upload.too_many", "At most {n} files can be attached."),
    ("upload.failed", "The upload failed. Remove the file and try again."),
    ("upload.timeout", "The file was not checked in time. Remove it and try again."),
    ("upload.refused", "This file can no longer be attached. Remove it and add it again."),
    ("upload.rejected.too_large", "Refused: the file is larger than {mb} MB."),
    ("upload.rejected.size_mismatch", "Refused: the file changed while it was uploading. Try again."),
    ("upload.rejected.type_not_allowed", "Refused: the file's content is of a type that cannot be attached."),
    ("upload.rejected.empty", "Refused: nothing arrived of this file."),
    ("upload.wait", "Waiting for the files to upload…"),
    ("upload.remove_failed", "Remove the files that could not be attached."),
    ("role.requester", "Requester"),
    ("role.agent", "Agent"),
    ("role.admin", "Administrator"),
    ("role.system", "System"),
    ("kind.text", "Text"),
    ("kind.multiline", "Several lines"),
    ("kind.number", "Number"),
    ("kind.select", "One choice"),
    ("kind.multi_select", "Several choices"),
    ("kind.checkbox", "Checkbox"),
    ("kind.date", "Date"),
    ("kind.asset_tag", "Asset tag"),
    ("admin.topics", "Topics"),
    ("admin.topic", "Topic"),
    ("admin.new_topic", "New topic"),
    ("admin.id", "Id"),
    ("admin.name", "Name"),
    ("admin.name_en", "Name (English)"),
    ("admin.name_ru", "Name (Russian)"),
    ("admin.description_en", "Description (English)"),
    ("admin.description_ru", "Description (Russian)"),
    ("admin.description", "Description"),
    ("admin.fields", "Fields"),
    ("admin.field", "Field"),
    ("admin.key", "Key"),
    ("admin.kind", "Kind"),
    ("admin.label", "Label"),
    ("admin.label_en", "Label (English)"),
    ("admin.label_ru", "Label (Russian)"),
    ("admin.required", "Required"),
    ("admin.whole_numbers", "Whole numbers"),
    ("admin.options", "Options"),
    ("admin.option_value", "Option value"),
    ("admin.add_option", "Add option"),
    ("admin.add_field", "Add field"),
    ("admin.remove", "Remove"),
    ("admin.remove_field", "Remove field"),
    ("admin.move_up", "Move up"),
    ("admin.move_down", "Move down"),
    ("admin.active", "Active"),
    ("admin.saved", "Saved."),
    ("admin.user", "User"),
    ("admin.new_user", "New user"),
    ("admin.email", "Email"),
    ("admin.phone", "Phone"),
    ("admin.department", "Department"),
    ("admin.location", "Location"),
    ("admin.telegram", "Telegram chat id"),
    ("admin.role", "Role"),
    ("admin.new_password", "New password (at least 10 characters)"),
    ("admin.new_group", "New group"),
    ("admin.search", "Search by id or name"),
    ("admin.show_disabled", "Show disabled accounts"),
    ("admin.form", "Form"),
    ("field_error.required", "This field is required."),
    ("field_error.wrong_type", "This value has the wrong type."),
    ("field_error.whole_number", "Enter a whole number."),
    ("field_error.too_long", "This is too long."),
    ("field_error.out_of_range", "This number is out of range."),
    ("field_error.unknown_option", "Choose one of the options."),
    ("field_error.unknown_field", "This field is not part of the form."),
    ("field_error.invalid_date", "Enter a date as YYYY-MM-DD."),
    ("field_error.invalid_asset_tag", "Use letters, digits and dashes, e.g. LT-04211."),
    ("field_error.invalid", "This value is not valid."),
    ("field_error.duplicate", "This value is used twice."),
    ("field_error.not_found", "There is no such person or group."),
    ("field_error.not_eligible", "This person cannot be chosen here."),
    ("error.network", "The helpdesk could not be reached. Check your connection and try again."),
    ("error.malformed_json", "The request was malformed."),
    ("error.invalid_body", "The request was malformed."),
    ("error.unknown_field", "The request had an unknown field."),
    ("error.validation_failed", "Please correct the marked fields."),
    ("error.payload_too_large", "This is too large to send."),
    ("error.unsupported_media_type", "The request was malformed."),
    ("error.invalid_query", "These filters are not valid."),
    ("error.invalid_cursor", "This page of the list has expired; start again."),
    ("error.unknown_topic", "This topic no longer takes tickets."),
    ("error.already_exists", "Something with this id exists already."),
    ("error.illegal_transition", "The ticket cannot move to that status from here."),
    ("error.ticket_closed", "This ticket is closed."),
    ("error.version_conflict", "Someone changed this meanwhile. Reload and try again."),
    ("error.unauthenticated", "Your session has ended. Please sign in again."),
    ("error.invalid_credentials", "The user name or password is wrong, or the account is disabled."),
    ("error.csrf_mismatch", "Your session could not be confirmed. Reload the page."),
    ("error.too_many_attempts", "Too many failed sign-ins. Wait a minute and try again."),
    ("error.forbidden", "You may not do this."),
    ("error.direct_access_refused", "Open the helpdesk through its own address."),
    ("error.not_found", "This does not exist, or you may not see it."),
    ("error.route_not_found", "This does not exist."),
    ("error.method_not_allowed", "This is not allowed here."),
    ("error.internal", "Something went wrong on our side; it has been logged. Try again shortly."),
    ("error.directory_unavailable", "The directory did not answer. Try again shortly."),
    ("error.service_busy", "The helpdesk is busy right now. Try again in a moment."),
];

const RU: &[(&str, &str)] = &[
    ("app.name", "ИТ-поддержка"),
    ("locale", "ru-RU"),
    ("nav.skip", "Перейти к содержимому"),
    ("nav.label", "Главное меню"),
    ("nav.queue", "Очередь"),
    ("nav.log_call", "Принять звонок"),
    ("nav.my_tickets", "Мои заявки"),
    ("nav.new_ticket", "Новая заявка"),
    ("nav.topics", "Темы"),
    ("nav.users", "Пользователи"),
    ("nav.groups", "Группы"),
    ("nav.sign_out", "Выйти"),
    ("nav.language", "Язык"),
    ("common.loading", "Загрузка…"),
    ("common.retry", "Повторить"),
    ("common.save", "Сохранить"),
    ("common.yes", "Да"),
    ("common.no", "Нет"),
    ("common.not_found", "Такой страницы нет."),
    ("login.title", "Вход"),
    ("login.username", "Имя пользователя"),
    ("login.password", "Пароль"),
    ("login.submit", "Войти"),
    ("session.ended", "Сеанс завершён. Введённый текст сохранён: войдите снова, чтобы продолжить."),
    ("session.sign_in", "Войти снова"),
    ("my.title", "Мои заявки"),
    ("list.empty", "Заявок нет."),
    ("list.count.one", "{n} заявка на странице"),
    ("list.count.few", "{n} заявки на странице"),
    ("list.count.many", "{n} заявок на странице"),
    ("list.previous", "Предыдущая страница"),
    ("list.next", "Следующая страница"),
    ("list.sort", "Сортировка"),
    ("sort.updated", "По изменению"),
    ("sort.created", "Сначала новые"),
    ("sort.priority", "По приоритету"),
    ("sort.status", "По статусу"),
    ("queue.title", "Очередь"),
    ("queue.view", "Очередь"),
    ("queue.all", "Все очереди"),
    ("queue.mine", "Назначенные мне"),
    ("queue.unassigned", "Без исполнителя"),
    ("queue.any", "Любой"),
    ("queue.me", "Я"),
    ("new.title", "Новая заявка"),
    ("new.submit", "Отправить заявку"),
    ("call.title", "Принять звонок"),
    ("call.caller", "Кто звонит"),
    ("call.find_caller", "Найти звонящего (имя или идентификатор)"),
    ("call.no_match", "Никого не найдено; попробуйте другое имя."),
    ("call.submit", "Зарегистрировать звонок"),
    ("call.logged", "Заявка {number} зарегистрирована и передана в очередь {group}."),
    ("form.choose", "Выберите…"),
    ("form.fix_marked", "Исправьте отмеченные поля."),
    ("ticket.number", "Номер"),
    ("ticket.subject", "Тема"),
    ("ticket.description", "Описание"),
    ("ticket.status", "Статус"),
    ("ticket.priority", "Приоритет"),
    ("ticket.topic", "Категория"),
    ("ticket.requester", "Заявитель"),
    ("ticket.assignee", "Исполнитель"),
    ("ticket.group", "Группа"),
    ("ticket.channel", "Канал"),
    ("ticket.created", "Создана"),
    ("ticket.updated", "Изменена"),
    ("ticket.internal_note", "Внутренняя заметка"),
    ("ticket.conflict", "Кто-то уже изменил эту заявку. Обновите страницу, чтобы увидеть последнюю версию, и повторите изменение."),
    ("ticket.reload", "Обновить"),
    ("ticket.change", "Изменить"),
    ("ticket.fields", "Поля формы"),
    ("ticket.save_fields", "Сохранить поля"),
    ("reply.kind", "Вид сообщения"),
    ("reply.public", "Ответ заявителю"),
    ("reply.internal", "Внутренняя заметка"),
    ("reply.label", "Ваш ответ"),
    ("reply.note_label", "Внутренняя заметка (только для сотрудников)"),
    ("reply.send", "Отправить ответ"),
    ("reply.add_note", "Добавить заметку"),
    ("action.take", "Взять себе"),
    ("action.reopened", "Открыть снова"),
    ("action.closed", "Закрыть"),
    ("action.resolved", "Отметить решённой"),
    ("action.new", "Новая"),
    ("action.open", "Открыть"),
    ("action.waiting", "Ждать ответа заявителя"),
    ("status.new", "Новая"),
    ("status.open", "Открыта"),
    ("status.waiting", "Ждёт ответа заявителя"),
    ("status.resolved", "Решена"),
    ("status.closed", "Закрыта"),
    ("status.reopened", "Открыта снова"),
    ("priority.low", "Низкий"),
    ("priority.medium", "Средний"),
    ("priority.high", "Высокий"),
    ("priority.urgent", "Срочный"),
    ("channel.web", "веб"),
    ("channel.email", "почта"),
    ("channel.phone", "телефон"),
    ("channel.api", "API"),
    ("event.created", "Заявка создана"),
    ("event.status", "Статус"),
    ("event.assignee", "Исполнитель"),
    ("event.group", "Группа"),
    ("event.priority", "Приоритет"),
    ("event.fields", "Изменены поля"),
    ("event.sla_warning", "Предупреждение SLA"),
    ("event.sla_breached", "Нарушен SLA"),
    ("event.nobody", "никто"),
    ("sla.title", "Уровень обслуживания"),
    ("sla.first_response", "Первый ответ"),
    ("sla.next_response", "Следующий ответ"),
    ("sla.resolution", "Решение"),
    ("sla.deadline", "Крайний срок"),
    ("sla.due", "срок"),
    ("sla.paused", "Пауза, пока ждём заявителя"),
    ("clock.running", "идёт"),
    ("clock.paused", "на паузе"),
    ("clock.met", "выполнено"),
    ("clock.breached", "нарушено"),
    ("unit.day", "д"),
    ("unit.hour", "ч"),
    ("unit.minute", "мин"),
    ("unit.kb", "КБ"),
    ("unit.mb", "МБ"),
    ("upload.title", "Вложения"),
    ("upload.hint", "Вставьте снимок экрана (Ctrl+V) или перетащите файлы сюда: до {n} файлов по {mb} МБ."),
    ("upload.choose", "Прикрепить файлы"),
    ("upload.camera", "Снять фото или видео"),
    ("upload.record", "Записать экран"),
    ("upload.recording", "Идёт запись"),
    ("upload.stop", "Остановить запись"),
    ("upload.record_failed", "В этом браузере экран записать не удалось."),
    ("upload.remove", "Убрать"),
    ("upload.sending", "Загрузка…"),
    ("upload.checking", "Проверка…"),
    ("upload.ready", "Готово"),
    ("upload.too_large", "Файл больше {mb} МБ."),
    ("upload.empty", "Файл пустой."),
    ("upload.type", "Файлы такого типа прикреплять нельзя. Можно: изображения, видео, PDF, текст и логи, офисные документы, архивы."),
    ("upload.too_many", "Можно прикрепить не больше {n} файлов."),
    ("upload.failed", "Загрузка не удалась. Уберите файл и попробуйте снова."),
    ("upload.timeout", "Файл не успели проверить. Уберите его и попробуйте снова."),
    ("upload.refused", "Этот файл больше нельзя прикрепить. Уберите его и добавьте снова."),
    ("upload.rejected.too_large", "Отклонён: файл больше {mb} МБ."),
    ("upload.rejected.size_mismatch", "Отклонён: файл изменился во время загрузки. Попробуйте снова."),
    ("upload.rejected.type_not_allowed", "Отклонён: содержимое файла такого типа прикреплять нельзя."),
    ("upload.rejected.empty", "Отклонён: файл не дошёл."),
    ("upload.wait", "Ждём, пока загрузятся файлы…"),
    ("upload.remove_failed", "Уберите файлы, которые не удалось прикрепить."),
    ("role.requester", "Заявитель"),
    ("role.agent", "Специалист"),
    ("role.admin", "Администратор"),
    ("role.system", "Система"),
    ("kind.text", "Текст"),
    ("kind.multiline", "Несколько строк"),
    ("kind.number", "Число"),
    ("kind.select", "Один вариант"),
    ("kind.multi_select", "Несколько вариантов"),
    ("kind.checkbox", "Флажок"),
    ("kind.date", "Дата"),
    ("kind.asset_tag", "Инвентарный номер"),
    ("admin.topics", "Темы"),
    ("admin.topic", "Тема"),
    ("admin.new_topic", "Новая тема"),
    ("admin.id", "Идентификатор"),
    ("admin.name", "Название"),
    ("admin.name_en", "Название (английский)"),
    ("admin.name_ru", "Название (русский)"),
    ("admin.description_en", "Описание (английский)"),
    ("admin.description_ru", "Описание (русский)"),
    ("admin.description", "Описание"),
    ("admin.fields", "Поля"),
    ("admin.field", "Поле"),
    ("admin.key", "Ключ"),
    ("admin.kind", "Тип"),
    ("admin.label", "Подпись"),
    ("admin.label_en", "Подпись (английский)"),
    ("admin.label_ru", "Подпись (русский)"),
    ("admin.required", "Обязательное"),
    ("admin.whole_numbers", "Только целые числа"),
    ("admin.options", "Варианты"),
    ("admin.option_value", "Значение варианта"),
    ("admin.add_option", "Добавить вариант"),
    ("admin.add_field", "Добавить поле"),
    ("admin.remove", "Удалить"),
    ("admin.remove_field", "Удалить поле"),
    ("admin.move_up", "Выше"),
    ("admin.move_down", "Ниже"),
    ("admin.active", "Активна"),
    ("admin.saved", "Сохранено."),
    ("admin.user", "Пользователь"),
    ("admin.new_user", "Новый пользователь"),
    ("admin.email", "Эл. почта"),
    ("admin.phone", "Телефон"),
    ("admin.department", "Отдел"),
    ("admin.location", "Расположение"),
    ("admin.telegram", "Telegram chat id"),
    ("admin.role", "Роль"),
    ("admin.new_password", "Новый пароль (не короче 10 символов)"),
    ("admin.new_group", "Новая группа"),
    ("admin.search", "Поиск по идентификатору или имени"),
    ("admin.show_disabled", "Показывать отключённые"),
    ("admin.form", "Форма"),
    ("field_error.required", "Заполните это поле."),
    ("field_error.wrong_type", "Значение неверного типа."),
    ("field_error.whole_number", "Введите целое число."),
    ("field_error.too_long", "Слишком длинно."),
    ("field_error.out_of_range", "Число вне допустимого диапазона."),
    ("field_error.unknown_option", "Выберите один из вариантов."),
    ("field_error.unknown_field", "Такого поля нет в форме."),
    ("field_error.invalid_date", "Введите дату в виде ГГГГ-ММ-ДД."),
    ("field_error.invalid_asset_tag", "Буквы, цифры и дефисы, например LT-04211."),
    ("field_error.invalid", "Недопустимое значение."),
    ("field_error.duplicate", "Это значение указано дважды."),
    ("field_error.not_found", "Такого пользователя или группы нет."),
    ("field_error.not_eligible", "Этого пользователя нельзя выбрать здесь."),
    ("error.network", "Не удалось связаться с поддержкой. Проверьте подключение и повторите."),
    ("error.malformed_json", "Некорректный запрос."),
    ("error.invalid_body", "Некорректный запрос."),
    ("error.unknown_field", "В запросе неизвестное поле."),
    ("error.validation_failed", "Исправьте отмеченные поля."),
    ("error.payload_too_large", "Слишком большой объём для отправки."),
    ("error.unsupported_media_type", "Некорректный запрос."),
    ("error.invalid_query", "Недопустимые фильтры."),
    ("error.invalid_cursor", "Эта страница списка устарела; начните сначала."),
    ("error.unknown_topic", "Эта категория больше не принимает заявки."),
    ("error.already_exists", "Запись с таким идентификатором уже есть."),
    ("error.illegal_transition", "Заявку нельзя перевести в этот статус."),
    ("error.ticket_closed", "Заявка закрыта."),
    ("error.version_conflict", "Кто-то уже изменил эти данные. Обновите страницу и повторите."),
    ("error.unauthenticated", "Сеанс завершён. Войдите снова."),
    ("error.invalid_credentials", "Неверное имя пользователя или пароль, либо учётная запись отключена."),
    ("error.csrf_mismatch", "Не удалось подтвердить сеанс. Обновите страницу."),
    ("error.too_many_attempts", "Слишком много неудачных попыток входа. Подождите минуту."),
    ("error.forbidden", "У вас нет прав на это действие."),
    ("error.direct_access_refused", "Откройте службу поддержки по её собственному адресу."),
    ("error.not_found", "Не найдено или нет доступа."),
    ("error.route_not_found", "Не найдено."),
    ("error.method_not_allowed", "Это действие здесь недоступно."),
    ("error.internal", "Что-то пошло не так на нашей стороне; ошибка записана. Повторите позже."),
    ("error.directory_unavailable", "Каталог пользователей не отвечает. Повторите позже."),
    ("error.service_busy", "Служба сейчас перегружена. Повторите через минуту."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::attachment::RejectReason;
    use crate::error::{ErrorCode, FieldErrorCode};
    use crate::form::FieldKind;
    use crate::sla::{ClockState, TargetKind};
    use crate::ticket::{Channel, Priority, Status};
    use serde::Serialize;
    use std::collections::BTreeSet;

    const LANGUAGES: [Language; 2] = Language::ALL;

    fn wire<T: Serialize>(v: &T) -> String {
        serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
    }

    /// A key without its plural category: `list.count.one` → `list.count`.
    fn base(key: &str) -> &str {
        ["one", "few", "many", "other"].iter().find_map(|c| key.strip_suffix(&format!(".{c}"))).unwrap_or(key)
    }

    fn keys(language: Language) -> BTreeSet<&'static str> {
        catalogue(language).iter().map(|(k, _)| base(k)).collect()
    }

    #[test]
    fn both_catalogues_hold_the_same_keys_once_each() {
        for language in LANGUAGES {
            let mut seen = BTreeSet::new();
            for (key, value) in catalogue(language) {
                assert!(seen.insert(*key), "{key} twice in {language:?}");
                assert!(!value.trim().is_empty(), "{key} is blank in {language:?}");
            }
        }
        assert_eq!(keys(Language::En), keys(Language::Ru));
    }

    #[test]
    fn counted_phrases_have_every_form_their_language_needs() {
        for language in LANGUAGES {
            let counted: BTreeSet<&str> = catalogue(language).iter().filter(|(k, _)| base(k) != *k).map(|(k, _)| base(k)).collect();
            assert!(!counted.is_empty());
            for key in counted {
                for category in plural_categories(language) {
                    let form = text(language, &format!("{key}.{category}"));
                    assert!(form.contains("{n}"), "{key}.{category} in {language:?}");
                }
            }
        }
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let forms: Vec<String> =
            [1, 2, 5, 11, 12, 21, 22, 25, 101, 111, 0].iter().map(|n| plural(Language::Ru, "list.count", *n)).collect();
        let words: Vec<&str> = forms.iter().map(|f| f.split(' ').nth(1).unwrap()).collect();
        assert_eq!(words, ["заявка", "заявки", "заявок", "заявок", "заявок", "заявка", "заявки", "заявок", "заявка", "заявок", "заявок"]);
        assert_eq!(plural(Language::En, "list.count", 1), "1 ticket on this page");
        assert_eq!(plural(Language::En, "list.count", 0), "0 tickets on this page");
    }

    #[test]
    fn every_variant_the_ui_names_has_an_entry() {
        let mut needed: Vec<String> = Vec::new();
        needed.extend(Status::ALL.iter().map(|s| format!("status.{}", wire(s))));
        needed.extend(Status::ALL.iter().map(|s| format!("action.{}", wire(s))));
        needed.extend(Priority::ALL.iter().map(|p| format!("priority.{}", wire(p))));
        needed.extend(ErrorCode::ALL.iter().map(|c| format!("error.{}", wire(c))));
        needed.extend([Channel::Web, Channel::Email, Channel::Phone, Channel::Api].iter().map(|c| format!("channel.{}", wire(c))));
        needed.extend(Role::PEOPLE.iter().chain([&Role::System]).map(|r| format!("role.{}", wire(r))));
        needed.extend(
            [TargetKind::FirstResponse, TargetKind::NextResponse, TargetKind::Resolution, TargetKind::Deadline]
                .iter()
                .map(|t| format!("sla.{}", wire(t))),
        );
        needed.extend(
            [ClockState::Running, ClockState::Paused, ClockState::Met, ClockState::Breached].iter().map(|c| format!("clock.{}", wire(c))),
        );
        needed.extend(FieldKind::ALL.iter().map(|k| format!("kind.{}", wire(k))));
        needed.extend(
            [RejectReason::TooLarge, RejectReason::SizeMismatch, RejectReason::TypeNotAllowed, RejectReason::Empty]
                .iter()
                .map(|r| format!("upload.rejected.{}", wire(r))),
        );
        needed.extend(
            [
                FieldErrorCode::Required,
                FieldErrorCode::WrongType,
                FieldErrorCode::TooLong,
                FieldErrorCode::OutOfRange,
                FieldErrorCode::UnknownOption,
                FieldErrorCode::UnknownField,
                FieldErrorCode::InvalidDate,
                FieldErrorCode::InvalidAssetTag,
                FieldErrorCode::Invalid,
                FieldErrorCode::Duplicate,
            ]
            .iter()
            .map(|c| format!("field_error.{}", wire(c))),
        );
        for key in needed {
            assert!(!text(Language::En, &key).is_empty(), "no entry {key}");
        }
    }

    /// Every key the web UI names literally (`i.t("…")`, `i.count("…")`) is in the catalogue.
    #[test]
    fn every_key_the_frontend_uses_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/src");
        let mut files = vec![root];
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for call in [".t(\"", ".count(\""] {
                for (at, _) in source.match_indices(call) {
                    let rest = &source[at + call.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    let key_found = catalogue(Language::En).iter().any(|(k, _)| *k == key || base(k) == key);
                    assert!(key_found, "{} uses '{key}', which the catalogue lacks", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "only {checked} keys found: did the frontend move?");
    }
}
