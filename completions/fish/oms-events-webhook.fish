# fish completion for oms-events-webhook(1)
#
# Completes the options, and the webhook accounts (webhooks/NAME.json in
# $OMS_PATH, the user's oms directory and the installed share/oms) as the
# operand.

function __oms_events_webhook_accounts
    set -l share (path dirname (path dirname (command -s oms-events-webhook)))/share/oms
    set -l conf $XDG_CONFIG_HOME
    test -n "$conf"; or set conf $HOME/.config
    for d in (string split : -- $OMS_PATH) $conf/oms $share /usr/local/share/oms /usr/share/oms
        for f in $d/webhooks/*.json
            test -f $f; and string replace -r '^.*/(.*)\.json$' '$1' -- $f
        end
    end | sort -u
end

complete -c oms-events-webhook -f
complete -c oms-events-webhook -a '(__oms_events_webhook_accounts)' -d 'Webhook account'
complete -c oms-events-webhook -s q -l quiet -d 'No summary, even at a terminal'
complete -c oms-events-webhook -s v -l verbose -d 'Say what was delivered'
complete -c oms-events-webhook -s h -l help -d 'Print the help'
complete -c oms-events-webhook -s V -l version -d 'Print the version'
