namespace NextStat.HistFactory;

/// <summary>
/// A HistFactory likelihood built from a pyhf workspace and one of its measurements, with pyhf 0.7.6 semantics:
/// parameters in pyhf's order and naming, main data in pyhf's channel order, aux data in pyhf's constraint order.
/// Immutable and thread-safe; evaluate through <see cref="CreateObjective"/> (per-thread evaluators, no allocation
/// per call) or the convenience methods here.
/// </summary>
public sealed class HistFactoryModel
{
    private readonly Dictionary<string, int> _indexByName;
    private readonly BuiltModel _built;

    private HistFactoryModel(BuiltModel built, ModelOptions options)
    {
        _built = built;
        Options = options;
        ParameterNames = [.. built.Parameters.Select(p => p.Name)];
        _indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (ModelParameter p in built.Parameters)
        {
            _indexByName.Add(p.Name, p.Index);
        }

        Inits = [.. built.Parameters.Select(p => p.Init)];
        LowerBounds = [.. built.Parameters.Select(p => p.Lower)];
        UpperBounds = [.. built.Parameters.Select(p => p.Upper)];
        Fixed = [.. built.Parameters.Select(p => p.IsFixed)];
        ObservedObjective = new HistFactoryObjective(this, built.ObservedMain, built.ObservedAux);
    }

    /// <summary>The measurement the model was built from.</summary>
    public string MeasurementName => _built.MeasurementName;

    /// <summary>The interpolation options in use.</summary>
    public ModelOptions Options { get; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount => _built.Parameters.Count;

    /// <summary>Parameter names in pyhf's order (<c>name</c>, or <c>name[i]</c> for per-bin parameters).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Everything known about each parameter, in order.</summary>
    public IReadOnlyList<ModelParameter> Parameters => _built.Parameters;

    /// <summary>The index of the parameter of interest, or −1 when the measurement has none.</summary>
    public int PoiIndex => _built.PoiIndex;

    /// <summary>The name of the parameter of interest, or null.</summary>
    public string? PoiName => PoiIndex >= 0 ? ParameterNames[PoiIndex] : null;

    /// <summary>Initial values (pyhf's <c>suggested_init</c>).</summary>
    public IReadOnlyList<double> Inits { get; }

    /// <summary>Lower bounds (pyhf's <c>suggested_bounds</c>).</summary>
    public IReadOnlyList<double> LowerBounds { get; }

    /// <summary>Upper bounds (pyhf's <c>suggested_bounds</c>).</summary>
    public IReadOnlyList<double> UpperBounds { get; }

    /// <summary>Which parameters are held constant (pyhf's <c>suggested_fixed</c>).</summary>
    public IReadOnlyList<bool> Fixed { get; }

    /// <summary>Channel names in main-data order.</summary>
    public IReadOnlyList<string> ChannelNames => _built.ChannelNames;

    /// <summary>Bins per channel, in <see cref="ChannelNames"/> order.</summary>
    public IReadOnlyList<int> ChannelBinCounts => _built.ChannelBinCounts;

    /// <summary>The number of main-data bins.</summary>
    public int BinCount => Layout.BinCount;

    /// <summary>Observed main data, channels in pyhf's order.</summary>
    public IReadOnlyList<double> ObservedMainData => _built.ObservedMain;

    /// <summary>Observed auxiliary data in pyhf's order (constrained parameters in parameter order).</summary>
    public IReadOnlyList<double> ObservedAuxData => _built.ObservedAux;

    /// <summary>The constraint behind each aux datum, in <see cref="ObservedAuxData"/> order.</summary>
    public IReadOnlyList<AuxEntry> AuxEntries => _built.AuxEntries;

    /// <summary>The objective on the observed data.</summary>
    public HistFactoryObjective ObservedObjective { get; }

    internal ModelLayout Layout => _built.Layout;

    /// <summary>Builds the model of <paramref name="workspace"/> for a measurement (default: the first).</summary>
    /// <exception cref="WorkspaceException">The measurement is missing or inconsistent with the modifiers.</exception>
    public static HistFactoryModel Build(Workspace workspace, string? measurementName = null, ModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        options ??= ModelOptions.Default;
        return new HistFactoryModel(ModelBuilder.Build(workspace, measurementName, options), options);
    }

    /// <summary>The index of the parameter with pyhf name <paramref name="name"/> (e.g. <c>staterror_SR[0]</c>).</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    public int IndexOf(string name) =>
        TryIndexOf(name, out int index) ? index : throw new KeyNotFoundException($"the model has no parameter '{name}'");

    /// <summary>Looks up a parameter index by pyhf name.</summary>
    public bool TryIndexOf(string name, out int index) => _indexByName.TryGetValue(name, out index);

    /// <summary>The objective for a data set, e.g. a toy: main data per bin and aux data in pyhf's order.</summary>
    /// <exception cref="ArgumentException">The lengths do not match the model, or a count is negative or not finite.</exception>
    public HistFactoryObjective CreateObjective(ReadOnlySpan<double> mainData, ReadOnlySpan<double> auxData) => new(this, mainData, auxData);

    /// <summary>twice_nll on the observed data (allocates an evaluator; use an objective's evaluator in loops).</summary>
    public double TwiceNll(ReadOnlySpan<double> parameters) => ObservedObjective.CreateHistFactoryEvaluator().Value(parameters);

    /// <summary>Expected main data per bin at <paramref name="parameters"/> (pyhf's <c>expected_actualdata</c>).</summary>
    public void ExpectedMainData(ReadOnlySpan<double> parameters, Span<double> result) =>
        ObservedObjective.CreateHistFactoryEvaluator().ExpectedMainData(parameters, result);

    /// <summary>
    /// What each aux datum fluctuates around at <paramref name="parameters"/>: θ for Gaussian constraints (toys draw
    /// N(θ, σ)), γ·τ for Poisson ones (toys draw Pois(γ·τ)).
    /// </summary>
    public void ExpectedAuxData(ReadOnlySpan<double> parameters, Span<double> result)
    {
        if (parameters.Length != ParameterCount || result.Length != AuxEntries.Count)
        {
            throw new ArgumentException($"expected {ParameterCount} parameters and {AuxEntries.Count} aux values");
        }

        for (int i = 0; i < result.Length; i++)
        {
            AuxEntry entry = _built.AuxEntries[i];
            double theta = parameters[entry.ParameterIndex];
            result[i] = entry.Constraint == ConstraintKind.Poisson ? theta * entry.Tau : theta;
        }
    }

    internal string BinLabel(int bin)
    {
        int offset = 0;
        for (int c = 0; c < ChannelBinCounts.Count; c++)
        {
            if (bin < offset + ChannelBinCounts[c])
            {
                return $"channel '{ChannelNames[c]}' bin {bin - offset}";
            }

            offset += ChannelBinCounts[c];
        }

        return $"bin {bin}";
    }
}
