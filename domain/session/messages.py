"""The messages and labels of the session core (message ids: the English text; the French
is in the catalogue). Front ends translate them; the core never formats a sentence."""

from __future__ import annotations

from domain.i18n import N_

# Titles and labels

LOGIN_TITLE = N_("Log in to my professional account")
FORGOT_TITLE = N_("Forgot password")
EXPIRED_TITLE = N_("Expired password")
FALLBACK_TITLE = N_("If you cannot complete the procedure")
ADVICE_TITLE = N_("Recommendations to prevent identity theft")
ALERT_TITLE = N_("Your password expires soon")
HOME_TITLE = N_("My professional account")
SERVICES_TITLE = N_("Manage the services")
COORDINATES_TITLE = N_("Your contact details")
CHANGE_TITLE = N_("Change your credentials")
ENDED_TITLE = N_("Session ended")

EMAIL_LABEL = N_("Login email address")
PASSWORD_LABEL = N_("Password")
CAPTCHA_LABEL = N_("Copy the characters of the image")
ANSWER_STEP_LABEL = N_("Answer to the security question")
ANSWER_LABEL = N_("Your answer to the security question")
NEW_PASSWORD_LABEL = N_("New password")
CONFIRM_LABEL = N_("Confirm the new password")
OLD_PASSWORD_LABEL = N_("Old password")
OLD_AND_NEW_LABEL = N_("Old and new password")
SUMMARY_LABEL = N_("Summary")
TICK_LABEL = N_("Enter my new password")

# Refusals and outcomes

INVALID_EMAIL = N_("Type a valid email address, for example prenom.nom@exemple.fr.")
CAPTCHA_WRONG = N_(
    "The characters typed do not match the image, or the image expired. A new image is shown: type its characters."
)
CAPTCHA_EXPIRED = N_("The image expired before it was typed. A new image is shown: type its characters.")
INVALID_LOGIN = N_("The email address or the password is wrong.")
THROTTLED = N_("Too many attempts. Wait {seconds} seconds before trying again.")
DEACTIVATED = N_("This account is deactivated. Contact support to reactivate it.")
WRONG_ANSWER = N_("The answer does not match the security question. Check it and try again.")
EMPTY_ANSWER = N_("Type the answer to your security question.")
LOCKED = N_(
    "Too many wrong answers. This procedure is refused for this address until {time} "
    "({date}). You can still log in with your current password."
)
LOCKED_CLIENT = N_(
    "Too many wrong answers from your connection. This procedure is refused until {time} "
    "({date}). You can still log in with your current password."
)
STALE = N_("The password of this account was changed in another session. Start again.")
WRONG_OLD = N_("The email address or the old password is wrong.")
UNUSABLE_TEXT = N_("This field holds characters that cannot be used (a damaged paste?). Type it again.")
NOTHING_TO_CHANGE = N_('Tick "Enter my new password" to change your password.')
UNAVAILABLE = N_(
    "The service is briefly unavailable: nothing was changed. Check what you typed and try again in a moment."
)

SESSION_ENDED: dict[str, str] = {
    "credentials_changed": N_("Your session ended because your password was changed in another session. Log in again."),
    "expired": N_("Your session ended because your password expired. Log in to define a new one."),
    "deactivated": N_("Your session ended because this account was deactivated. Contact support."),
}

# Actions (the labels of what can be done next)

LOG_IN = N_("Log in")
FORGOT = N_("Forgot password")
HELP = N_("Help")
OTHER_LANGUAGE = N_("Français")
"""The switch to the other language, named in it: « English » on a French screen."""
CHANGE_IMAGE = N_("Change the image")
SPELL_IMAGE = N_("Spell the characters")
CONTINUE = N_("Continue")
CONFIRM = N_("Confirm")
PREVIOUS_STEP = N_("Previous step")
BACK_TO_LOGIN = N_("Back to login")
CANNOT_COMPLETE = N_("I cannot complete this procedure")
TO_SERVICES = N_("Go to your online services")
BACK = N_("Back")
CLOSE = N_("Close")
OK = N_("OK")
CHANGE_PASSWORD = N_("Change the password")
MANAGE_SERVICES = N_("Manage the services")
MANAGE_COORDINATES = N_("Manage your contact details")
MANAGE_CREDENTIALS = N_("Manage your login email address / your password")
LOG_OUT = N_("Log out")
CONFIRM_CHANGES = N_("Confirm the changes")
CANCEL = N_("Cancel")
BACK_HOME = N_("Back to the home page")
ADVICE = N_("Advice against identity theft")
RULES_AVOID = N_(
    "Refused as weak: common words and names (French or English), keyboard rows, dates, "
    "repetitions, the service's words and your own details (name, email, phone, subscriber "
    "number, address)."
)
"""Said with the rules before the first key is typed (the meter then says which)."""

# « Je ne peux pas mener à bien cette procédure »: what each procedure needs and the way
# out its sheet names (seed 000 §1.2, §1.5, §3 for the expired password; seeds 001 and 003
# §1.2, §1.5 for the forgotten one)

FALLBACK_NEEDS_FORGOT = N_(
    "To change your password you need the login email address you chose when "
    "you created your professional account, and the answer to your security question."
)
FALLBACK_NEEDS_EXPIRED = N_(
    "To renew an expired password you need the login email address you chose when you created "
    "your professional account, and the password you have been using to access it (your old password)."
)
FALLBACK_OTHER_WAY_EXPIRED = N_(
    'If you no longer know your old password, the "Forgot password" procedure (on the login '
    "screen) also changes your password, but it needs the answer to the security question you "
    "gave when you created your professional account."
)
FALLBACK_IF_NOT_FORGOT = N_("If you no longer have them:")
FALLBACK_IF_NOT_EXPIRED = N_("If you can complete neither procedure:")
FALLBACK_STEPS = (
    N_("create a new professional account in expert mode;"),
    N_("then request the substitution of the holder of each company you managed directly in your former account;"),
    N_("and re-create the delegations for the companies you managed with other users."),
)
SUPPORT = N_("Support")
SUPPORT_PHONE = N_("By phone: {phone} (free service + price of a call), {hours}.")
SUPPORT_FORM = N_("Online: {form}.")
SUPPORT_CAN = N_(
    "Support can confirm your subscriber number, your login email address and your "
    "security question. Nobody, support included, can read your answer."
)

# « Recommandations pour prévenir des usurpations » (seed 003, the « ? » beside a new
# password), in the sheet's words

ADVICE_POINTS = (
    N_("a different password for each site (it limits the harm if one is intercepted);"),
    N_("a password different from the ones you used before;"),
    N_("do not send it by email (email services are the target of many hacking attempts);"),
    N_("never write it down on any medium whatsoever (neither in a file nor on paper);"),
    N_("renew your passwords regularly (in particular when there is a change of staff);"),
)
ADVICE_SENTENCE = N_(
    "To make it easier to remember, you can for example use the sentence technique: "
    "« Un tien vaut mieux que deux tu l'auras » (a bird in the hand is worth two in the bush) "
    "gives 1tvmq2t1'A."
)
ADVICE_LONG = N_(
    "That example has 10 characters; your password needs at least {min}: take a longer "
    "sentence, or keep its whole words."
)
ADVICE_BROWSER = N_("Also, you are advised to set your browser so that it does not remember the passwords you type.")

CAPTCHA_LIFETIME = N_("This code is valid for {duration} from now.")
"""Said with each new CAPTCHA: its lifetime counts from its display."""
