using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>Fit inputs and data sets derived from an <see cref="IInferenceModel"/>.</summary>
public static class InferenceModelExtensions
{
    /// <summary>The model's suggested start: inits, bounds, fixed flags and names.</summary>
    public static FitInput SuggestedInput(this IInferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new FitInput([.. model.Inits], [.. model.LowerBounds], [.. model.UpperBounds], [.. model.Fixed], model.ParameterNames);
    }

    /// <summary>The index of the POI, or a clear error for a model without one.</summary>
    public static int RequirePoi(this IInferenceModel model, string procedure)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.PoiIndex >= 0
            ? model.PoiIndex
            : throw new InvalidOperationException($"{procedure} needs a parameter of interest, and the model's measurement names none");
    }

    /// <summary>The objective on the observed data.</summary>
    public static IObjective ObservedObjective(this IInferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.CreateObjective([.. model.ObservedMainData], [.. model.ObservedAuxData]);
    }

    /// <summary>
    /// A fit input with the POI fixed at <paramref name="mu"/>, the other parameters starting from
    /// <paramref name="start"/> (the suggested inits when null).
    /// </summary>
    public static FitInput FixedPoiInput(this IInferenceModel model, double mu, double[]? start = null)
    {
        int poi = model.RequirePoi("a fixed-POI fit");
        return model.SuggestedInput().WithFixed(poi, mu, start);
    }

    /// <summary>The expected main and aux data at <paramref name="parameters"/>: the Asimov data set of that point.</summary>
    public static (double[] Main, double[] Aux) ExpectedData(this IInferenceModel model, ReadOnlySpan<double> parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        double[] main = new double[model.ObservedMainData.Count];
        double[] aux = new double[model.ObservedAuxData.Count];
        model.ExpectedMainData(parameters, main);
        model.ExpectedAuxData(parameters, aux);
        return (main, aux);
    }
}
