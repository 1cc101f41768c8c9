# fish completion for oms-events(1)
#
# Completes the verbs ack, consumers, forget and prune as the first
# operand, and each verb's options; the event types after --type, a few
# times after --older-than, commands after --exec; file names after
# --db; and, when sqlite3 is there, the database's consumers after
# --consumer and forget.

# Print the verb, when the first operand is one; fail otherwise.
function __oms_events_verb
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $t --db --after --consumer --type --limit --exec --batch --older-than
            set skip 1
        else if not string match -q -- '-*' $t
            contains -- $t ack consumers forget prune; or return 1
            echo $t
            return 0
        end
    end
    return 1
end

function __oms_events_no_verb
    not __oms_events_verb >/dev/null
end

function __oms_events_verb_is
    set -l verb (__oms_events_verb); or return 1
    test "$verb" = $argv[1]
end

function __oms_events_consumers
    set -l tokens (commandline -opc)
    set -l db $OMS_DB
    set -l i (contains -i -- --db $tokens)
    and set db $tokens[(math $i + 1)]
    test -n "$db"; or set db oms.db
    test -r $db; and command -q sqlite3; or return
    sqlite3 -readonly -batch $db 'SELECT name FROM consumers ORDER BY name' 2>/dev/null
end

complete -c oms-events -f
complete -c oms-events -n __oms_events_no_verb -a ack -d 'A consumer has taken events'
complete -c oms-events -n __oms_events_no_verb -a consumers -d 'The consumers, how far behind'
complete -c oms-events -n __oms_events_no_verb -a forget -d 'Drop consumers'
complete -c oms-events -n __oms_events_no_verb -a prune -d 'Delete acknowledged events'
complete -c oms-events -l db -r -F -d 'The database'
complete -c oms-events -s h -l help -d 'Print the help'
complete -c oms-events -n 'not __oms_events_verb_is consumers' -s q -l quiet -d 'No summary, even at a terminal'
complete -c oms-events -n 'not __oms_events_verb_is consumers' -s v -l verbose -d 'A summary on stderr'
complete -c oms-events -n __oms_events_no_verb -s V -l version -d 'Print the version'
complete -c oms-events -n __oms_events_no_verb -l after -x -d 'The events after this seq'
complete -c oms-events -n '__oms_events_no_verb; or __oms_events_verb_is ack' -l consumer -x -a '(__oms_events_consumers)' -d 'The consumer'
complete -c oms-events -n __oms_events_no_verb -l type -x -a 'order.\* stock.changed order.created order.updated order.held order.released order.cancelled order.allocated order.backordered order.shipped order.delivered order.returned order.refund' -d 'Only events of this type'
complete -c oms-events -n __oms_events_no_verb -l limit -x -d 'Events at most'
complete -c oms-events -n __oms_events_no_verb -l follow -d 'Then wait for new events'
complete -c oms-events -n __oms_events_no_verb -l exec -x -a '(__fish_complete_command)' -d 'Run a program on each batch'
complete -c oms-events -n __oms_events_no_verb -l batch -x -d 'Events per batch (100)'
complete -c oms-events -n '__oms_events_verb_is prune' -l older-than -x -a '24h 7d 30d 90d' -d 'Only events older than'
complete -c oms-events -n '__oms_events_verb_is forget' -a '(__oms_events_consumers)' -d 'Consumer'
