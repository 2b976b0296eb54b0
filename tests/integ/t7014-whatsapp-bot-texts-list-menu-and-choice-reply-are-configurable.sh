#!/usr/bin/env bash
# The bot's texts are configuration: BOT_GREETING and BOT_MENU_PROMPT
# (non-ASCII and emoji as written), BOT_MENU_OPTIONS (Title or id:Title;
# an id defaults to the title lowercased without non-alphanumerics; four
# to ten options make a list message with the BOT_MENU_BUTTON button), and
# BOT_CHOICE_REPLY: when set, a choice gets a delivery and one text with
# {option} replaced by the option's title - and is still logged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/wa_lib.sh"
wa_setup
greet='¡Hola! 👋 Bienvenido al Club'
prompt='¿Qué te interesa?'
wa_server "BOT_GREETING=$greet" "BOT_MENU_PROMPT=$prompt" \
    'BOT_MENU_OPTIONS=pileta:Pileta,Tenis,SUM,Gimnasio y Spa' \
    'BOT_MENU_BUTTON=Opciones' \
    'BOT_CHOICE_REPLY=Elegiste {option}, te contactamos.'

u=$(wa_user); w=$(wa_wamid); c=$(wa_wamid)
wa_post_ok "text" --from "$u" --id "$w" --text "hola"
wa_wait_received "$u" 2
hs_is "$(wa_replies_line "$u")" \
    "text:$greet|list:$prompt:Opciones:pileta=Pileta,tenis=Tenis,sum=SUM,gimnasioyspa=Gimnasio y Spa" \
    "the configured greeting, then a list of the four options"

wa_post_ok "choice" --from "$u" --id "$c" --list-reply "gimnasioyspa=Gimnasio y Spa"
hs_is "$(wa_esql "$c" e.kind)/$(wa_ndeliveries "$c")" choice/1 \
    "with BOT_CHOICE_REPLY a choice has a delivery"
wa_wait_received "$u" 3
hs_is "$(wa_replies "$u" | sed -n 3p)" "text:Elegiste Gimnasio y Spa, te contactamos." \
    "the choice is answered with BOT_CHOICE_REPLY, {option} replaced by the title"
hs_is "$(wa_ncalls_to "$u")" 3 "three messages in all: no second menu"
hs_wait_until 10 wa_log_has "event=choice" "option=gimnasioyspa" "user=$u"
hs_is "$(wa_log_lines "event=choice" "user=$u" | grep -c 'option=gimnasioyspa')" 1 \
    "the choice is logged, once"
hs_wait_until 10 wa_dholds "$c" "d.state = 'done'"
hs_is "$(wa_dstate "$c")" done/1 "the choice's delivery is done"

hs_done
