package org.outpost.wallet

/**
 * Just enough JSON for the ledger's officer API, whose answers are flat objects of strings,
 * integers and booleans: a writer for flat objects and a reader of one top-level field.
 * (Not worth a JSON library on the test classpath; a nested or odd answer fails loudly.)
 */
object MiniJson {
    /** A flat JSON object of string and number fields, in order. */
    fun obj(vararg fields: Pair<String, Any>): String = fields.joinToString(",", "{", "}") { (name, value) ->
        val rendered = when (value) {
            is String -> quote(value)
            is Number, is Boolean -> value.toString()
            else -> throw IllegalArgumentException("MiniJson writes strings, numbers and booleans, not $value")
        }
        "${quote(name)}:$rendered"
    }

    fun quote(text: String): String = buildString {
        append('"')
        for (c in text) {
            when {
                c == '"' -> append("\\\"")
                c == '\\' -> append("\\\\")
                c == '\n' -> append("\\n")
                c == '\r' -> append("\\r")
                c == '\t' -> append("\\t")
                c < ' ' -> append("\\u%04x".format(c.code))
                else -> append(c)
            }
        }
        append('"')
    }

    /** The string value of top-level field `name`, or null when there is no such string field. */
    fun string(json: String, name: String): String? {
        val match = Regex("\"${Regex.escape(name)}\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").find(json) ?: return null
        return unescape(match.groupValues[1])
    }

    /** The integer value of field `name`; throws, naming the field, when it is missing. */
    fun long(json: String, name: String): Long = scalar(json, name).toLongOrNull()
        ?: throw IllegalStateException("field \"$name\" is not an integer in $json")

    fun boolean(json: String, name: String): Boolean = when (val value = scalar(json, name)) {
        "true" -> true
        "false" -> false
        else -> throw IllegalStateException("field \"$name\" is $value, not a boolean, in $json")
    }

    /** The string value of field `name`; throws, naming the field, when it is missing. */
    fun requireString(json: String, name: String): String =
        string(json, name) ?: throw IllegalStateException("no string field \"$name\" in $json")

    private fun scalar(json: String, name: String): String =
        Regex("\"${Regex.escape(name)}\"\\s*:\\s*(-?[0-9]+|true|false|null)").find(json)?.groupValues?.get(1)
            ?: throw IllegalStateException("no field \"$name\" in $json")

    private fun unescape(text: String): String = buildString {
        var i = 0
        while (i < text.length) {
            val c = text[i]
            if (c != '\\') {
                append(c); i++; continue
            }
            when (val e = text[i + 1]) {
                'n' -> append('\n')
                'r' -> append('\r')
                't' -> append('\t')
                'b' -> append('\b')
                'f' -> append('\u000c')
                'u' -> {
                    append(text.substring(i + 2, i + 6).toInt(16).toChar()); i += 4
                }
                else -> append(e)
            }
            i += 2
        }
    }
}
