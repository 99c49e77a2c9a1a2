using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>A <see cref="HistFactoryModel"/> seen by the inference procedures.</summary>
public sealed class HistFactoryInferenceModel : IInferenceModel
{
    private readonly HistFactoryModel _model;

    /// <summary>Wraps <paramref name="model"/>; the wrapper holds no copies of its data.</summary>
    public HistFactoryInferenceModel(HistFactoryModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        PrefitWidths = [.. model.Parameters.Select(p => p.PrefitWidth)];
        AuxSampling = [.. model.AuxEntries.Select(e => e.Constraint == ConstraintKind.Poisson
            ? new AuxSampling(AuxDistribution.Poisson, double.NaN)
            : new AuxSampling(AuxDistribution.Gaussian, e.Sigma))];
    }

    /// <summary>The wrapped model.</summary>
    public HistFactoryModel Model => _model;

    /// <inheritdoc />
    public IReadOnlyList<string> ParameterNames => _model.ParameterNames;

    /// <inheritdoc />
    public int PoiIndex => _model.PoiIndex;

    /// <inheritdoc />
    public IReadOnlyList<double> Inits => _model.Inits;

    /// <inheritdoc />
    public IReadOnlyList<double> LowerBounds => _model.LowerBounds;

    /// <inheritdoc />
    public IReadOnlyList<double> UpperBounds => _model.UpperBounds;

    /// <inheritdoc />
    public IReadOnlyList<bool> Fixed => _model.Fixed;

    /// <inheritdoc />
    public IReadOnlyList<double> PrefitWidths { get; }

    /// <inheritdoc />
    public IReadOnlyList<double> ObservedMainData => _model.ObservedMainData;

    /// <inheritdoc />
    public IReadOnlyList<double> ObservedAuxData => _model.ObservedAuxData;

    /// <inheritdoc />
    public IReadOnlyList<AuxSampling> AuxSampling { get; }

    /// <inheritdoc />
    public IObjective CreateObjective(ReadOnlySpan<double> mainData, ReadOnlySpan<double> auxData) => _model.CreateObjective(mainData, auxData);

    /// <inheritdoc />
    public void ExpectedMainData(ReadOnlySpan<double> parameters, Span<double> result) => _model.ExpectedMainData(parameters, result);

    /// <inheritdoc />
    public void ExpectedAuxData(ReadOnlySpan<double> parameters, Span<double> result) => _model.ExpectedAuxData(parameters, result);
}

/// <summary>Inference entry points on a <see cref="HistFactoryModel"/>.</summary>
public static class HistFactoryInferenceExtensions
{
    /// <summary>The model as the inference procedures see it.</summary>
    public static HistFactoryInferenceModel ForInference(this HistFactoryModel model) => new(model);
}
