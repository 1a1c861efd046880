/// What is wrong with a number or date-time token; the parser adds where it was.
struct TOMLTokenProblem: Error {
    let message: String
}
