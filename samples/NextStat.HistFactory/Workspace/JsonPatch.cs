using System.Text.Json;
using System.Text.Json.Nodes;

namespace NextStat.HistFactory;

/// <summary>
/// An RFC 6902 JSON Patch: an ordered list of add/remove/replace/move/copy/test operations on JSON pointers
/// (RFC 6901, with <c>~0</c>/<c>~1</c> escaping and <c>-</c> for the end of an array). Applying never changes the
/// input; a failing operation names its index and pointer.
/// </summary>
public sealed class JsonPatch
{
    private readonly JsonArray _operations;

    private JsonPatch(JsonArray operations, string name)
    {
        _operations = operations;
        Name = name;
    }

    /// <summary>A label for messages (the file name, or the patch name in a patch set).</summary>
    public string Name { get; }

    /// <summary>The number of operations.</summary>
    public int Count => _operations.Count;

    /// <summary>Reads a patch file (a JSON array of operations).</summary>
    /// <exception cref="WorkspaceException">The file is unreadable or not a JSON array.</exception>
    public static JsonPatch Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(Workspace.ReadFile(path, "patch"), path);
    }

    /// <summary>Parses a patch (a JSON array of operations); <paramref name="name"/> labels messages.</summary>
    /// <exception cref="WorkspaceException">The text is not a JSON array of operations.</exception>
    public static JsonPatch Parse(string json, string name = "patch")
    {
        ArgumentNullException.ThrowIfNull(json);
        return FromNode(Workspace.ParseDocument(json, name), name, "$");
    }

    internal static JsonPatch FromNode(JsonNode? node, string name, string path)
    {
        if (node is not JsonArray array)
        {
            throw new WorkspaceException(name, path, "a JSON patch must be an array of operations");
        }

        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject op || op["op"]?.GetValueKind() != JsonValueKind.String ||
                op["path"]?.GetValueKind() != JsonValueKind.String)
            {
                throw new WorkspaceException(name, $"{path}[{i}]", "each operation must be an object with string 'op' and 'path'");
            }
        }

        return new JsonPatch((JsonArray)array.DeepClone(), name);
    }

    /// <summary>Applies the operations in order to a copy of <paramref name="document"/> and returns the copy.</summary>
    /// <exception cref="WorkspaceException">An operation is invalid or its target does not exist, or a test fails.</exception>
    public JsonNode Apply(JsonNode document, string documentName = "document")
    {
        ArgumentNullException.ThrowIfNull(document);
        JsonNode? root = document.DeepClone();
        for (int i = 0; i < _operations.Count; i++)
        {
            var op = (JsonObject)_operations[i]!;
            string kind = op["op"]!.GetValue<string>();
            string pointer = op["path"]!.GetValue<string>();
            string where = $"$[{i}]";
            try
            {
                root = kind switch
                {
                    "add" => Add(root, pointer, RequireValue(op)?.DeepClone()),
                    "remove" => Remove(root, pointer, out _),
                    "replace" => Add(Remove(root, pointer, out _), pointer, RequireValue(op)?.DeepClone()),
                    "move" => Move(root, RequireFrom(op), pointer),
                    "copy" => Add(root, pointer, Resolve(root, RequireFrom(op))?.DeepClone()),
                    "test" => Test(root, pointer, op["value"]),
                    _ => throw new PatchError($"unknown operation '{kind}'"),
                };
            }
            catch (PatchError e)
            {
                throw new WorkspaceException(Name, where, $"operation {i} ('{kind}' at '{pointer}') on {documentName}: {e.Message}");
            }
        }

        return root ?? throw new WorkspaceException(Name, "$", $"the patch removed the whole of {documentName}");
    }

    private static JsonNode? Move(JsonNode? root, string from, string to)
    {
        if (to.StartsWith(from + "/", StringComparison.Ordinal))
        {
            throw new PatchError($"cannot move '{from}' into its own child '{to}'");
        }

        JsonNode? moved = Resolve(root, from);
        root = Remove(root, from, out _);
        return Add(root, to, moved?.DeepClone());
    }

    private static JsonNode? Test(JsonNode? root, string pointer, JsonNode? expected)
    {
        if (!JsonNode.DeepEquals(Resolve(root, pointer), expected))
        {
            throw new PatchError("test failed: the value differs");
        }

        return root;
    }

    private static JsonNode? RequireValue(JsonObject op) =>
        op.TryGetPropertyValue("value", out JsonNode? value) ? value : throw new PatchError("'value' is missing");

    private static string RequireFrom(JsonObject op) =>
        op["from"]?.GetValueKind() == JsonValueKind.String ? op["from"]!.GetValue<string>() : throw new PatchError("'from' is missing");

    private static JsonNode? Add(JsonNode? root, string pointer, JsonNode? value)
    {
        if (pointer.Length == 0)
        {
            return value;
        }

        (JsonNode parent, string key) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject obj:
                obj[key] = value;
                break;
            case JsonArray array:
                int index = key == "-" ? array.Count : ArrayIndex(key, array.Count + 1);
                array.Insert(index, value);
                break;
            default:
                throw new PatchError("the parent is not a container");
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, string pointer, out JsonNode? removed)
    {
        if (pointer.Length == 0)
        {
            removed = root;
            return null;
        }

        (JsonNode parent, string key) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject obj:
                if (!obj.Remove(key, out removed))
                {
                    throw new PatchError($"member '{key}' does not exist");
                }

                break;
            case JsonArray array:
                int index = ArrayIndex(key, array.Count);
                removed = array[index];
                array.RemoveAt(index);
                break;
            default:
                throw new PatchError("the parent is not a container");
        }

        return root;
    }

    private static JsonNode? Resolve(JsonNode? root, string pointer)
    {
        JsonNode? node = root;
        foreach (string token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject obj => obj.TryGetPropertyValue(token, out JsonNode? child) ? child : throw new PatchError($"member '{token}' does not exist"),
                JsonArray array => array[ArrayIndex(token, array.Count)],
                _ => throw new PatchError($"cannot step into a scalar with '{token}'"),
            };
        }

        return node;
    }

    private static (JsonNode Parent, string Key) Parent(JsonNode? root, string pointer)
    {
        int slash = pointer.LastIndexOf('/');
        if (slash < 0)
        {
            throw new PatchError("a JSON pointer must be empty or start with '/'");
        }

        JsonNode? parent = Resolve(root, pointer[..slash]);
        return (parent ?? throw new PatchError("the parent is null"), Unescape(pointer[(slash + 1)..]));
    }

    private static IEnumerable<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            yield break;
        }

        if (pointer[0] != '/')
        {
            throw new PatchError("a JSON pointer must be empty or start with '/'");
        }

        foreach (string raw in pointer[1..].Split('/'))
        {
            yield return Unescape(raw);
        }
    }

    // RFC 6901: '~1' is '/', '~0' is '~', decoded in that order so that "~01" becomes "~1".
    private static string Unescape(string token) => token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    private static int ArrayIndex(string token, int limit)
    {
        bool canonical = token.Length > 0 && token.All(char.IsAsciiDigit) && (token.Length == 1 || token[0] != '0');
        if (!canonical || !int.TryParse(token, out int index) || index >= limit)
        {
            throw new PatchError($"'{token}' is not a valid index for an array of {(limit == 0 ? 0 : limit)} slots");
        }

        return index;
    }

    private sealed class PatchError(string message) : Exception(message);
}
