# fish completion for oms-tax-table(1)
#
# Completes the verb taxes as the one operand, and --help and --version.
# The request comes on the standard input, so nothing follows the verb.

complete -c oms-tax-table -f
complete -c oms-tax-table -n __fish_is_first_arg -l help -d 'Print the usage and exit'
complete -c oms-tax-table -n __fish_is_first_arg -l version -d 'Print the version and exit'
complete -c oms-tax-table -n __fish_is_first_arg -a taxes -d "The tax of an order, in the shape of TaxJar's /v2/taxes"
