# fish completion for oms-edi(1)
#
# Completes the verbs send, receive and list as the first operand, and
# each verb's options; the database's 3pl locations after --location
# (when sqlite3 is there); directories after --dir; file names after
# --db and as the files receive reads.

# Print the verb, when the first operand is one; fail otherwise.
function __oms_edi_verb
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $t --db --location --dir
            set skip 1
        else if not string match -q -- '-*' $t
            contains -- $t send receive list; or return 1
            echo $t
            return 0
        end
    end
    return 1
end

function __oms_edi_no_verb
    not __oms_edi_verb >/dev/null
end

function __oms_edi_verb_is
    set -l verb (__oms_edi_verb); or return 1
    contains -- $verb $argv
end

function __oms_edi_locations
    set -l tokens (commandline -opc)
    set -l db $OMS_DB
    set -l i (contains -i -- --db $tokens)
    and set db $tokens[(math $i + 1)]
    test -n "$db"; or set db oms.db
    test -r $db; and command -q sqlite3; or return
    sqlite3 -readonly -batch $db "SELECT id FROM locations WHERE kind = '3pl' ORDER BY id" 2>/dev/null
end

complete -c oms-edi -f
complete -c oms-edi -n __oms_edi_no_verb -a send -d 'Write the 940s not yet sent'
complete -c oms-edi -n __oms_edi_no_verb -a receive -d 'Read 945, 846 and 997 files'
complete -c oms-edi -n __oms_edi_no_verb -a list -d 'The 940s sent, where each stands'
complete -c oms-edi -s h -l help -d 'Print the help'
complete -c oms-edi -n __oms_edi_no_verb -s V -l version -d 'Print the version'
complete -c oms-edi -n '__oms_edi_verb_is send receive list' -l db -r -F -d 'The database'
complete -c oms-edi -n '__oms_edi_verb_is send receive' -s n -l dry-run -d 'Do it all, then roll it back'
complete -c oms-edi -n '__oms_edi_verb_is send receive' -s q -l quiet -d 'No summary, even at a terminal'
complete -c oms-edi -n '__oms_edi_verb_is send receive' -s v -l verbose -d 'A summary on stderr, and notes'
complete -c oms-edi -n '__oms_edi_verb_is send receive list' -l location -x -a '(__oms_edi_locations)' -d 'The 3pl location'
complete -c oms-edi -n '__oms_edi_verb_is send receive' -l dir -x -a '(__fish_complete_directories)' -d 'Where the files go'
complete -c oms-edi -n '__oms_edi_verb_is list' -l open -d 'Only those still to be answered'
complete -c oms-edi -n '__oms_edi_verb_is receive' -F -d 'X12 file'
