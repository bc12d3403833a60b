package httpjson

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// russian holds the Russian text of each message key of the native API
// and every dialect. {field}, {resource} and {channel} are filled from
// the error. A key missing here falls back
// to the English message, which every error carries.
var russian = map[string]string{
	"channel_disabled":              "Канал {channel} не включён для этого проекта",
	"channel_unavailable":           "Для канала {channel} не настроен ни один провайдер",
	"channel_with_fallback":         "Укажите либо channel, либо fallback: первый шаг fallback и есть первый канал",
	"delivery_in_flight":            "Это событие отправляется прямо сейчас; повторите отправку, когда попытка появится в журнале",
	"duplicate_template":            "Два шаблона для одного канала, назначения и языка",
	"email_taken":                   "Учётная запись с этим адресом уже есть",
	"fallback_exceeds_ttl":          "Сумма таймаутов fallback не меньше срока жизни кода: сократите их или увеличьте ttl",
	"first_step_destination":        "Первый шаг fallback отправляется получателю проверки: оставьте его to пустым",
	"insufficient_credits":          "Баланс проекта исчерпан: пополните его, чтобы отправлять коды",
	"invalid_amount":                "Сумма должна быть положительным десятичным числом не более чем с 6 знаками, а валюта — кодом ISO 4217",
	"invalid_autofill":              "Неверный хеш приложения SMS Retriever или домен WebOTP",
	"invalid_caller_id":             "callerId должен быть номером E.164 или буквенным именем отправителя не длиннее 11 символов",
	"sender_id_not_approved":        "callerId не входит в одобренные оператором имена отправителя проекта (approvedSenderIds): попросите оператора его одобрить",
	"prefix_blocked":                "Отправка на номера, начинающиеся с {prefix}, приостановлена из-за подозрения на злоупотребление; попробуйте позже",
	"block_not_found":               "У этого префикса нет действующей блокировки",
	"invalid_prefix":                "prefix должен состоять из «+» и 3–7 цифр, например +88216",
	"no_pending_templates":          "У проекта нет шаблонов, ожидающих одобрения",
	"pending_templates_changed":     "Владелец сохранил другие шаблоны: прочитайте их и решите, указав их submittedAt",
	"invalid_characters":            "Поле {field} содержит управляющие символы",
	"unsafe_characters":             "Поле {field} содержит управляющие символы или символы направления текста ({character})",
	"invalid_chat_link":             "Для привязки чата нужны провайдер, номер телефона и чат",
	"invalid_invitation":            "Приглашение неизвестно, уже использовано или истекло",
	"invalid_login":                 "Неверный адрес или пароль",
	"invalid_receipt":               "В квитанции нет провайдера или идентификатора сообщения",
	"invalid_session":               "Сессия неизвестна или истекла: войдите снова",
	"invalid_signing":               "signing должен быть standard, kotp или cobinar",
	"invalid_template":              "Шаблон не удаётся применить: {field}",
	"invalid_url":                   "url должен быть абсолютным адресом http или https без имени пользователя и пароля",
	"invitation_email":              "Приглашение выдано на другой адрес",
	"max_apps_per_project":          "Тариф не позволяет создать больше приложений в проекте",
	"max_projects":                  "Тариф не позволяет создать больше проектов",
	"monthly_sends":                 "Отправки по тарифу в этом месяце исчерпаны",
	"no_developer":                  "Токен администратора не принадлежит учётной записи разработчика",
	"no_session":                    "Токен администратора — не сессия: выходить не из чего",
	"operator_only":                 "Это может сделать только оператор с токеном администратора",
	"read_only":                     "Здесь можно изменить только имя и компанию",
	"signup_closed":                 "Регистрация закрыта: попросите у оператора учётную запись или приглашение",
	"subject_not_email":             "Тема есть только у шаблонов email",
	"too_many_logins":               "Слишком много попыток входа; попробуйте позже",
	"too_many_webhooks":             "У приложения слишком много вебхуков",
	"transaction_not_allowed":       "Поле transaction допустимо только для назначения transaction",
	"weak_password":                 "Пароль должен содержать от 10 до 256 символов",
	"webhook_url_private":           "url указывает на частный или локальный адрес; такие адреса разрешает OTPD_WEBHOOK_ALLOW_PRIVATE=1",
	"required":                      "Поле {field} обязательно",
	"too_long":                      "Значение поля {field} слишком длинное",
	"out_of_range":                  "Значение поля {field} вне допустимого диапазона",
	"invalid_locale":                "Поле {field} должно быть языковым тегом, например en или pt-BR",
	"invalid_phone":                 "Неверный формат номера телефона",
	"invalid_email":                 "Неверный адрес электронной почты",
	"destination_too_long":          "Адрес получателя слишком длинный",
	"invalid_channel":               "Канал должен быть одним из: sms, voice, email, telegram, whatsapp",
	"channel_mismatch":              "Канал {channel} не может доставить сообщение этому получателю",
	"invalid_purpose":               "Назначение должно быть одним из: verification, two_factor, password_reset, transaction",
	"metadata_too_large":            "Поле metadata должно занимать не более 1024 байт JSON",
	"metadata_not_object":           "Поле metadata должно быть JSON-объектом",
	"invalid_environment":           "Окружение должно быть live или test",
	"invalid_status":                "Статус должен быть active или disabled",
	"invalid_credential_type":       "Тип должен быть secret, api или webhook_secret",
	"immutable":                     "Поле {field} нельзя изменить",
	"not_found":                     "Объект не найден",
	"no_route":                      "Такого метода API нет",
	"no_pending_verification":       "Для этого получателя нет ожидающей проверки",
	"missing_credentials":           "Нужен ключ API: передайте Authorization: Bearer <apiKey>",
	"invalid_credentials":           "Ключ API отсутствует или неверен",
	"invalid_admin_token":           "Нужен действующий токен консоли: передайте Authorization: Bearer <token>",
	"application_disabled":          "Приложение отключено",
	"operator_disabled":             "Приложение отключено оператором; владелец не может его включить",
	"developer_suspended":           "Учётная запись разработчика приостановлена оператором",
	"developer_has_projects":        "У разработчика остались проекты; сначала удалите их",
	"invalid_reset_token":           "Токен сброса пароля неизвестен, уже использован или истёк",
	"wrong_password":                "Текущий пароль указан неверно",
	"test_inbox_live":               "Тестовый ящик доступен только тестовым приложениям",
	"api_rate_limited":              "Слишком много запросов с этим ключом API",
	"console_rate_limited":          "Слишком много запросов консоли",
	"destination_rate_limited":      "Слишком много кодов отправлено этому получателю; попробуйте позже",
	"send_budget_exceeded":          "Бюджет отправок исчерпан (не больше {limit} за период); попробуйте позже",
	"guess_budget_exceeded":         "Для этого получателя введено слишком много неверных кодов; новый код пока отправить нельзя",
	"resend_cooldown":               "Повторная отправка пока недоступна",
	"max_resends":                   "Достигнуто максимальное число повторных отправок",
	"not_pending":                   "Проверка уже завершена",
	"project_has_applications":      "В проекте ещё есть приложения; сначала перенесите или удалите их",
	"idempotency_key_reused":        "Этот Idempotency-Key уже использован с другим запросом",
	"malformed_json":                "Тело запроса не является корректным JSON",
	"invalid_encoding":              "Запрос содержит символ NUL или байты не в UTF-8 (в {in} {field}); принимается только текст UTF-8 без символов NUL",
	"unknown_field":                 "Неизвестное поле {field}",
	"wrong_type":                    "Поле {field} имеет неверный тип",
	"body_too_large":                "Тело запроса слишком большое",
	"headers_too_large":             "Заголовки запроса слишком большие",
	"unsupported_media_type":        "Тело запроса должно быть JSON, например {\"to\":\"+14155552671\"}; тело формы или текст здесь не принимаются",
	"method_not_allowed":            "Этот метод не поддерживается для данного пути",
	"invalid_query":                 "Неверное значение параметра {field}",
	"analytics_range_too_long":      "Период от from до to может охватывать не более {maxDays} дней",
	"challenge_required":            "Проект требует токен CAPTCHA: передайте его в заголовке X-Challenge-Token или в поле challengeToken",
	"challenge_failed":              "CAPTCHA не пройдена ({reason}): попросите пользователя пройти её снова",
	"challenge_unavailable":         "Не удалось обратиться к провайдеру CAPTCHA; ничего не отправлено, повторите попытку чуть позже",
	"invalid_captcha_provider":      "provider должен быть одним из: turnstile, recaptcha, hcaptcha, smartcaptcha",
	"score_not_supported":           "minScore применяется только к reCAPTCHA v3",
	"too_many":                      "В поле {field} слишком много значений",
	"invalid_hostname":              "Поле {field} должно содержать имя хоста, например example.com или *.example.com, без схемы, порта и пути",
	"invalid_ip":                    "Поле {field} должно быть адресом IPv4 или IPv6",
	"internal":                      "Внутренняя ошибка сервера; она записана в журнал",
	"too_many_signins_from_address": "Слишком много попыток входа с этого адреса; попробуйте позже",
	"service_busy":                  "Сервер занят проверкой других паролей; повторите через несколько секунд",
	"unavailable":                   "Сервис сейчас не может обратиться к своей базе данных; повторите чуть позже (создание — с тем же Idempotency-Key)",
	"console_ip_rate_limited":       "Слишком много запросов консоли с этого адреса",

	// API keys of an application besides its own.
	"invalid_key_scope":         "scope должен быть full или read",
	"invalid_allowed_ip":        "Поле {field} должно быть адресом или сетью CIDR IPv4 или IPv6, например 203.0.113.7, 203.0.113.0/24 или 2001:db8::/32",
	"allowed_ip_host_bits":      "В поле {field} заданы биты за длиной префикса: укажите сеть {network} или один адрес без префикса",
	"too_many_api_keys":         "У приложения слишком много ключей API; сначала отзовите один",
	"read_only_key":             "Этот ключ API только для чтения: им можно читать (GET), но не отправлять, проверять, переотправлять или отменять коды",
	"primary_key_not_revocable": "Собственный ключ API приложения нельзя отозвать; замените его ротацией",

	// Sign-in with ID tokens of the operator's OpenID Connect issuer.
	"id_tokens_not_accepted":        "Этот сервер не принимает ID-токены: оператор не настроил издателя OpenID Connect",
	"id_token_too_long":             "ID-токен слишком длинный",
	"id_token_expired":              "Срок действия ID-токена истёк: получите новый у своего провайдера удостоверений",
	"invalid_id_token":              "ID-токен здесь недействителен: неверна подпись, издатель или аудитория",
	"identity_provider_unavailable": "Не удалось получить ключи провайдера удостоверений; повторите попытку чуть позже",
	"id_token_no_email":             "В ID-токене нет адреса электронной почты, по которому находится учётная запись разработчика",
	"email_not_verified":            "Адрес электронной почты в ID-токене не подтверждён провайдером удостоверений: сначала подтвердите его там",
	"no_account":                    "Учётной записи разработчика с этим адресом нет, а регистрация закрыта: попросите у оператора учётную запись или приглашение",
	"id_token_no_session":           "ID-токен — не сессия otpd; выйдите у своего провайдера удостоверений",

	// K-OTP dialect and named templates.
	"unknown_template":      "У проекта нет шаблона {template}",
	"invalid_template_name": "Имя шаблона должно состоять из 1–64 латинских букв, цифр и знаков _ - .",
	"invalid_method":        "method должен быть одним из: sms, email, voice",
	"invalid_otp_status":    "status должен быть одним из: pending, sent, delivered, failed, expired, verified",
	"invalid_time":          "Поле {field} должно быть датой или временем ISO 8601, например 2024-01-15 или 2024-01-15T10:30:00Z",
	"otp_not_found":         "OTP с таким ID не найден",
	"code_incorrect":        "Неверный код",
	"otp_expired":           "Срок действия кода истёк; отправьте новый",
	"max_attempts":          "Исчерпано число попыток проверки; отправьте новый код",
	"otp_already_verified":  "Код уже подтверждён; подтвердить его можно только один раз",
	"otp_canceled":          "Код отменён; отправьте новый",
	// Per-application limits, the developer's virtual number and the Cobinar dialect.
	"app_sends_rate_limited":      "Приложение отправило слишком много кодов: не более {limit} в минуту",
	"app_checks_rate_limited":     "Приложение проверило слишком много кодов: не более {limit} в минуту",
	"invalid_virtual_phone":       "virtualPhoneNumber должен быть номером E.164: + и от 7 до 15 цифр, например +999482918102",
	"cobinar_missing_credentials": "Для аутентификации приложения нужны заголовки x-client-id, x-client-secret и x-api-key; не хватает: {missing}",
	"cobinar_invalid_credentials": "Учётные данные приложения неверны: проверьте x-client-id, x-client-secret и x-api-key",
	"cobinar_otp_not_found":       "Запрос OTP с таким requestId не найден",
	"cobinar_invalid_code":        "Неверный код; осталось попыток: {attempts_remaining}",
	"cobinar_otp_expired":         "Срок действия кода истёк: отправьте новый",
	"cobinar_max_attempts":        "Слишком много неверных кодов: этот запрос больше нельзя подтвердить; отправьте новый",
	"cobinar_already_verified":    "Этот запрос уже подтверждён",
	"cobinar_otp_canceled":        "Этот запрос отменён: отправьте новый",
	"invalid_alphabet":            "Код должен состоять из цифр, букв или и того и другого: codeDigits и codeLetters не могут оба быть false",
	"invalid_origin":              "Источник записывается как scheme://host[:port] со схемой http или https и без пути, например https://shop.example",
	"invalid_return_url":          "Адрес возврата должен быть абсолютным адресом http или https без имени пользователя, пароля и фрагмента",
	"origin_not_allowed":          "Приложение не принимает запросы с этого сайта (Origin); добавьте его в allowedOrigins приложения",
	"return_url_not_allowed":      "Адрес return_url не входит в returnUrls приложения (они сравниваются точно)",
	"return_url_required":         "У приложения несколько адресов returnUrls: укажите один в return_url",
	"no_return_urls":              "У приложения нет адресов returnUrls: добавьте в его настройках страницу, куда вернуть человека",
	"session_expired":             "Сессия неизвестна или завершена: создайте новую",
	"session_blocked":             "Сессия закрыта после слишком многих неверных кодов",
	"no_channels":                 "В проекте не включено ни одного канала, который otpd может доставить",
	"no_channel_for_destination":  "Ни один канал проекта не может доставить код этому получателю",
	"channel_not_linked":          "Канал {channel} ещё не привязан: сначала откройте ссылку канала",
	"destination_blocked":         "Слишком много сессий этого получателя закрыто из-за неверных кодов; попробуйте позже",
	"channel_timeout":             "Код по этому каналу только что отправлен; подождите перед повторной отправкой",
	"wrong_code":                  "Неверный код; после нескольких неверных кодов сессия будет закрыта",
	"verify_token_invalid":        "Токен проверки неизвестен, уже использован или истёк",
	"invalid_country":             "Страны указываются регионами ISO 3166 в верхнем регистре, например GB или RU",
	"duplicate_country":           "Страна указана дважды",
	"country_not_allowed":         "Проект не отправляет коды на номера страны {country} (её нет в policy.countries)",
	"geo_prefix_denied":           "Правила географии проекта ({rules}) запрещают канал {channel} для номеров, начинающихся с {prefix}",
	"geo_country_not_listed":      "Правила географии проекта ({rules}) разрешают канал {channel} только для перечисленных стран, а {country} среди них нет",
	"geo_country_denied":          "Правила географии проекта ({rules}) запрещают канал {channel} для страны {country}",
	"number_type_not_allowed":     "Проект не отправляет коды на номера этого типа ({numberType})",
	"countries_without_mode":      "Для списка countries нужен mode allow или deny; mode all разрешает все страны",
	"invalid_geo_mode":            "mode должен быть all, allow или deny",
	"invalid_rule_action":         "action должен быть allow или deny",
	"duplicate_prefix":            "Для одного префикса задано два правила",
	"invalid_number_type":         "Тип номера должен быть одним из mobile, fixed_line, fixed_line_or_mobile, voip, personal_number, pager, toll_free, premium_rate, shared_cost, uan, voicemail, unknown",
	"duplicate_number_type":       "Тип номера указан дважды",
	"api_key_header_missing":      "Нужен ключ: передайте его в заголовке x-api-key",
	"api_key_header_invalid":      "Ключ в заголовке x-api-key неверен",
	"secret_key_required":         "Для этого запроса нужен секретный ключ API приложения, который есть только у его сервера; публичный ключ — для браузеров",
	"invalid_manual_code":         "Поле code должно содержать от 4 до 6 цифр",
	"unknown_provider":            "provider_id не указывает на настроенного провайдера канала {channel}",
	"invalid_callback_url":        "callback_url должен быть абсолютным адресом http или https не длиннее 2048 символов, без имени пользователя, пароля и фрагмента",
	"webhook_url_http":            "url должен начинаться с https: этот сервер не отправляет запросы по http (оператор разрешает их через OTPD_WEBHOOK_ALLOW_HTTP=1)",
	"webhook_url_port":            "Порт {port} в url не разрешён: этот сервер отправляет запросы только на порты {ports} (оператор задаёт их через OTPD_WEBHOOK_ALLOWED_PORTS)",
	"callback_url_http":           "callback_url должен начинаться с https: этот сервер не отправляет запросы по http (оператор разрешает их через OTPD_WEBHOOK_ALLOW_HTTP=1)",
	"callback_url_port":           "Порт {port} в callback_url не разрешён: этот сервер отправляет запросы только на порты {ports} (оператор задаёт их через OTPD_WEBHOOK_ALLOWED_PORTS)",
	"callback_url_private":        "callback_url указывает на этот компьютер или на частный, локальный или link-local адрес; такие адреса разрешает OTPD_WEBHOOK_ALLOW_PRIVATE=1",
	// Issue 16: test numbers, the safelist, one send per fallback step.
	"fallback_repeats_step": "Сценарий fallback может отправить код по одному каналу одному получателю только один раз: {field} повторяет предыдущий шаг",
	"invalid_test_code":     "Код тестового номера должен состоять из 4–10 цифр",
	"duplicate_destination": "Этот получатель указан дважды",
}

// Localize returns the message of e in the language r's Accept-Language
// prefers: Russian when a Russian text of e.Key exists, else English.
func Localize(r *http.Request, e *otp.Error) string {
	if PreferredLanguage(r.Header.Get("Accept-Language")) != "ru" {
		return e.Message
	}
	t, ok := russian[e.Key]
	if !ok {
		return e.Message
	}
	t = strings.ReplaceAll(t, "{field}", e.Field)
	for k, v := range e.Params {
		t = strings.ReplaceAll(t, "{"+k+"}", fmt.Sprint(v))
	}
	return t
}

// PreferredLanguage picks "en" or "ru" from an Accept-Language header by
// q-value, the first listed winning ties; anything else means English.
func PreferredLanguage(header string) string {
	type choice struct {
		lang string
		q    float64
		pos  int
	}
	var cs []choice
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "en" || base == "ru") && q > 0 {
			cs = append(cs, choice{base, q, i})
		}
	}
	if len(cs) == 0 {
		return "en"
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	return cs[0].lang
}
