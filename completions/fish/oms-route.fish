# fish completion for oms-route(1)
#
# Completes the options of oms-route; the verbs rules (load, show,
# history) and geo (load) as the first operands; file names after --db,
# --rules and --orders, after rules load and geo load, and as operands;
# and, when sqlite3 is there, the location ids of the database after
# --exclude, its orders that can be rerouted after --reroute, and its rule
# set versions after rules show.

# Print the operands before the cursor, those that are not option values.
function __oms_route_operands
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $t --db --exclude --orders --reroute --rules -d
            set skip 1
        else if not string match -q -- '-*' $t
            echo $t
        end
    end
end

# Whether the operands so far are exactly $argv.
function __oms_route_at
    set -l ops (__oms_route_operands)
    test (count $ops) = (count $argv); or return 1
    for i in (seq (count $argv))
        test "$ops[$i]" = "$argv[$i]"; or return 1
    end
end

# Whether the first operand is the verb $argv[1].
function __oms_route_using
    set -l ops (__oms_route_operands)
    test "$ops[1]" = $argv[1]
end

# Whether no verb was given: routing orders.
function __oms_route_routing
    set -l ops (__oms_route_operands)
    not contains -- "$ops[1]" rules geo
end

# Print the rows of query $argv[1] over the database of --db, $OMS_DB or ./oms.db.
function __oms_route_query
    set -l db
    set -l next 0
    for t in (commandline -opc)
        if test $next = 1
            set db $t
            set next 0
        else if contains -- $t --db -d
            set next 1
        else if string match -q -- '--db=*' $t
            set db (string replace -- '--db=' '' $t)
        end
    end
    test -n "$db"; or set db $OMS_DB
    test -n "$db"; or set db oms.db
    set db (string replace -r -- '^~' $HOME $db)
    test -r $db; and type -q sqlite3; or return
    sqlite3 -readonly -batch $db $argv[1] 2>/dev/null
end

# The orders --reroute takes whose number starts with what is typed (at
# most 200): as o_N, or as N when digits are typed.
function __oms_route_orders
    set -l cur (commandline -ct)
    set -l n (string replace -r -- '^o_' '' $cur)
    string match -qr -- '^[0-9]*$' "$n"; or return
    set -l p o_
    string match -qr -- '^[0-9]' "$cur"; and set p ''
    __oms_route_query "SELECT '$p' || id FROM orders WHERE status IN ('open', 'partial', 'backordered', 'allocated') AND CAST(id AS TEXT) LIKE '$n%' ORDER BY id LIMIT 200"
end

complete -c oms-route -f
complete -c oms-route -s d -l db -r -F -d 'Use this database file'

# Routing orders.
complete -c oms-route -n __oms_route_routing -s n -l dry-run -d 'Compare a rule set with the one in force, write nothing'
complete -c oms-route -n __oms_route_routing -l exclude -x -a '(__oms_route_query "SELECT id FROM locations ORDER BY id")' -d 'With --reroute: do not use this location'
complete -c oms-route -n __oms_route_routing -l explain -d 'Add why to each record'
complete -c oms-route -n __oms_route_routing -s h -l help -d 'Print the usage and exit'
complete -c oms-route -n __oms_route_routing -l orders -r -F -d 'With --dry-run: the orders to compare'
complete -c oms-route -n __oms_route_routing -l pending -d 'Route every open, partial and backordered order'
complete -c oms-route -n __oms_route_routing -s q -l quiet -d 'Print no summary line'
complete -c oms-route -n __oms_route_routing -l reroute -x -a '(__oms_route_orders)' -d 'Release an order and route it again'
complete -c oms-route -n __oms_route_routing -l rules -r -F -d 'With --dry-run: the rule set to compare'
complete -c oms-route -n __oms_route_routing -s v -l verbose -d 'Always print the summary line'
complete -c oms-route -n __oms_route_routing -s V -l version -d 'Print the version and exit'
complete -c oms-route -n '__oms_route_at' -a rules -d 'Load, show or list the rule sets'
complete -c oms-route -n '__oms_route_at' -a geo -d 'Load postal codes'
complete -c oms-route -n __oms_route_routing -F

# The verbs.
complete -c oms-route -n '__oms_route_at rules' -a load -d 'Check a rule set and store it as the next version'
complete -c oms-route -n '__oms_route_at rules' -a show -d 'Print a version of the rule set'
complete -c oms-route -n '__oms_route_at rules' -a history -d 'List the versions of the rule set'
complete -c oms-route -n '__oms_route_at rules load' -F
complete -c oms-route -n '__oms_route_at rules load' -s q -l quiet -d 'Print no closing message'
complete -c oms-route -n '__oms_route_at rules show' -a '0 (__oms_route_query "SELECT version FROM rules ORDER BY version")' -d 'Rule set version'
complete -c oms-route -n '__oms_route_at geo' -a load -d 'Load a GeoNames postal code file'
complete -c oms-route -n '__oms_route_at geo load' -F
complete -c oms-route -n '__oms_route_at geo load' -s q -l quiet -d 'Print no closing message'
